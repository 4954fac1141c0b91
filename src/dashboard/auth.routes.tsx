// Sign-in, sign-out, set password (from a one-time link) and choosing a company.
import { Hono } from "hono";
import { chooseSessionUser, findUsablePasswordToken, sessionCompanies, setPasswordWithToken } from "../db/dashboard-auth.ts";
import { nowMs } from "../lib/clock.ts";
import { hashPassword } from "../lib/passwords.ts";
import { hashSecretToken, isWellFormedToken, newSecretToken } from "../lib/secret-token.ts";
import { readForm, zodFieldErrors } from "./forms.ts";
import { ChooseCompanyPage, LinkUnusablePage, SetPasswordPage, SignInPage } from "./pages/auth.tsx";
import { ErrorPage } from "./pages/errors.tsx";
import { DASHBOARD_PATH } from "./paths.ts";
import { page } from "./render.ts";
import { SetPasswordSchema, SignInSchema } from "./schemas.ts";
import { checkSignIn, requireSession, setSessionCookie, signOut, startSession } from "./session.ts";
import type { DashboardEnv } from "./types.ts";

const SIGN_IN_LABELS = { email: "Email", password: "Password" };
const PASSWORD_LABELS = { password: "The password", confirm: "The repeated password" };

function minutes(seconds: number): string {
  return seconds <= 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}

export const authRoutes = new Hono<DashboardEnv>()
  .get("/sign-in", (c) => page(c, <SignInPage reason={c.req.query("reason")} />))
  .post("/sign-in", async (c) => {
    const form = await readForm(c);
    const values = { email: form.email ?? "" };
    const parsed = SignInSchema.safeParse({ email: form.email ?? "", password: form.password ?? "" });
    if (!parsed.success) {
      return page(c, <SignInPage values={values} errors={zodFieldErrors(parsed.error, SIGN_IN_LABELS)} />, 400);
    }
    const result = await checkSignIn(c, parsed.data.email, parsed.data.password);
    if (result.outcome === "limited") {
      const who = result.scope === "account" ? "this account" : "your network address";
      const message = `Too many sign-in attempts for ${who}. Wait ${minutes(result.retryAfterSeconds)} and try again.`;
      c.header("Retry-After", String(result.retryAfterSeconds));
      return page(c, <SignInPage values={values} errors={{ "": message }} />, 429);
    }
    if (result.outcome === "wrong") {
      return page(c, <SignInPage values={values} errors={{ "": "That email and password do not match. Check both and try again." }} />, 401);
    }
    await startSession(c, result.userIds);
    return c.redirect(result.userIds.length > 1 ? `${DASHBOARD_PATH}/choose-company` : DASHBOARD_PATH, 303);
  })
  .post("/sign-out", async (c) => {
    await signOut(c);
    return c.redirect(`${DASHBOARD_PATH}/sign-in?reason=signed-out`, 303);
  })
  .get("/set-password/:token", async (c) => {
    const token = c.req.param("token");
    const link = isWellFormedToken(token) ? await findUsablePasswordToken(c.get("db"), await hashSecretToken(token), nowMs()) : undefined;
    if (!link) return page(c, <LinkUnusablePage />, 404);
    return page(c, <SetPasswordPage token={token} email={link.email} name={link.name} companyName={link.companyName} firstTime />);
  })
  .post("/set-password/:token", async (c) => {
    const token = c.req.param("token");
    const tokenHash = isWellFormedToken(token) ? await hashSecretToken(token) : undefined;
    const link = tokenHash ? await findUsablePasswordToken(c.get("db"), tokenHash, nowMs()) : undefined;
    if (!tokenHash || !link) return page(c, <LinkUnusablePage />, 404);
    const form = await readForm(c);
    const parsed = SetPasswordSchema.safeParse({ password: form.password ?? "", confirm: form.confirm ?? "" });
    if (!parsed.success) {
      const errors = zodFieldErrors(parsed.error, PASSWORD_LABELS);
      return page(c, <SetPasswordPage token={token} email={link.email} name={link.name} companyName={link.companyName} firstTime errors={errors} />, 400);
    }
    const session = await newSecretToken();
    const done = await setPasswordWithToken(
      c.get("db"),
      { tokenHash, userId: link.userId, passwordHash: await hashPassword(parsed.data.password), sessionTokenHash: session.hash },
      nowMs(),
    );
    if (!done) return page(c, <LinkUnusablePage />, 404);
    setSessionCookie(c, session.token);
    return c.redirect(DASHBOARD_PATH, 303);
  })
  .get("/choose-company", requireSession({ needsCompany: false }), async (c) => {
    const choices = await sessionCompanies(c.get("db"), c.get("sessionUserIds"));
    return page(c, <ChooseCompanyPage choices={choices} currentUserId={c.get("viewer")?.user.id} />);
  })
  .post("/choose-company", requireSession({ needsCompany: false }), async (c) => {
    const form = await readForm(c);
    if (!(await chooseSessionUser(c.get("db"), c.get("sessionHash"), form.user_id ?? ""))) {
      return page(c, <ErrorPage title="Not one of your companies" message="Choose one of the companies listed." />, 400);
    }
    return c.redirect(DASHBOARD_PATH, 303);
  });
