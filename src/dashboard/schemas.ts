// The dashboard's own form schemas: sign-in and setting a password (the other forms use the API's).
import { z } from "@hono/zod-openapi";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../domain/dashboard-auth.ts";
import { email } from "../lib/validation.ts";

export const SignInSchema = z.strictObject({
  email: email(),
  password: z.string().min(1, "is required.").max(MAX_PASSWORD_LENGTH),
});

export const SetPasswordSchema = z
  .strictObject({
    password: z
      .string()
      .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters long.`)
      .max(MAX_PASSWORD_LENGTH),
    confirm: z.string(),
  })
  .refine((value) => value.password === value.confirm, { message: "does not match the password.", path: ["confirm"] });

