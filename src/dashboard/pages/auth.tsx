// The signed-out pages: sign in, set a password from a one-time link, choose a company.
import { MIN_PASSWORD_LENGTH } from "../../domain/dashboard-auth.ts";
import type { FieldErrors, FormValues } from "../forms.ts";
import { AuthPage, Field, FormError, Notice, roleLabel } from "../layout.tsx";
import { DASHBOARD_PATH } from "../paths.ts";

const REASONS: Record<string, { kind: "ok" | "info"; text: string }> = {
  "signed-out": { kind: "ok", text: "You are signed out." },
  "session-ended": { kind: "info", text: "Your session ended. Sign in again to continue." },
};

export function SignInPage(props: { values?: FormValues; errors?: FieldErrors; reason?: string }) {
  const reason = props.reason ? REASONS[props.reason] : undefined;
  return (
    <AuthPage title="Sign in">
      <h1>Sign in</h1>
      <p class="subtitle">to your company's inventory dashboard.</p>
      {reason && (
        <Notice kind={reason.kind}>
          <p>{reason.text}</p>
        </Notice>
      )}
      <FormError errors={props.errors} />
      <form class="stack" method="post" action={`${DASHBOARD_PATH}/sign-in`} novalidate>
        <Field name="email" label="Email" type="email" autocomplete="username" required values={props.values} errors={props.errors} />
        <Field name="password" label="Password" type="password" autocomplete="current-password" required errors={props.errors} value="" />
        <button class="button" type="submit">Sign in</button>
      </form>
      <p class="hint">
        No password yet? Use the link from your invitation, or ask an admin of your company for a new one.
      </p>
    </AuthPage>
  );
}

export function SetPasswordPage(props: {
  token: string;
  email: string;
  name: string;
  companyName: string;
  firstTime: boolean;
  errors?: FieldErrors;
}) {
  return (
    <AuthPage title="Set your password">
      <h1>Set your password</h1>
      <p class="subtitle">
        {props.name} at {props.companyName}
      </p>
      <FormError errors={props.errors} />
      <form class="stack" method="post" action={`${DASHBOARD_PATH}/set-password/${props.token}`} novalidate>
        <Field name="email" label="Email" type="email" autocomplete="username" readonly value={props.email} />
        <Field
          name="password"
          label="New password"
          type="password"
          autocomplete="new-password"
          required
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
          errors={props.errors}
          value=""
        />
        <Field name="confirm" label="Repeat the password" type="password" autocomplete="new-password" required errors={props.errors} value="" />
        <button class="button" type="submit">{props.firstTime ? "Set password and sign in" : "Change password and sign in"}</button>
      </form>
      <p class="hint">Setting a password signs you out everywhere else.</p>
    </AuthPage>
  );
}

export function LinkUnusablePage() {
  return (
    <AuthPage title="Link no longer works">
      <h1>This link no longer works</h1>
      <Notice kind="info">
        <p>
          A set-password link works once, for a limited time (24 hours for a new company's admin, 7 days for an
          invitation). Ask an admin of your company for a new invitation.
        </p>
      </Notice>
      <p>
        <a href={`${DASHBOARD_PATH}/sign-in`}>Go to sign in</a>
      </p>
    </AuthPage>
  );
}

export function ChooseCompanyPage(props: {
  choices: { userId: string; companyName: string; role: "admin" | "member" | "read_only" }[];
  currentUserId?: string;
}) {
  return (
    <AuthPage title="Choose a company">
      <h1>Choose a company</h1>
      <p class="subtitle">Your email and password open more than one company. Which one do you want to work in?</p>
      <ul class="choices">
        {props.choices.map((choice) => (
          <li>
            <form method="post" action={`${DASHBOARD_PATH}/choose-company`}>
              <input type="hidden" name="user_id" value={choice.userId} />
              <button
                class={`button ${choice.userId === props.currentUserId ? "" : "button-secondary"}`}
                type="submit"
                aria-current={choice.userId === props.currentUserId ? "true" : undefined}
              >
                <span>{choice.companyName}</span>
                <span class="badge">{roleLabel(choice.role)}</span>
              </button>
            </form>
          </li>
        ))}
      </ul>
      <form method="post" action={`${DASHBOARD_PATH}/sign-out`}>
        <p>
          <button class="button button-secondary" type="submit">Sign out</button>
        </p>
      </form>
    </AuthPage>
  );
}
