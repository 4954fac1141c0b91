// Pages for what cannot be shown: not allowed for the role, not found, refused, broken.
import { AppPage, AuthPage, Notice } from "../layout.tsx";
import { DASHBOARD_PATH } from "../paths.ts";
import type { Viewer } from "../types.ts";

export function ErrorPage(props: { viewer?: Viewer; title: string; message: string }) {
  const body = (
    <>
      <Notice kind="error">
        <p>{props.message}</p>
      </Notice>
      <p>
        <a href={DASHBOARD_PATH}>Back to the overview</a>
      </p>
    </>
  );
  if (props.viewer) {
    return (
      <AppPage viewer={props.viewer} title={props.title} current="">
        {body}
      </AppPage>
    );
  }
  return (
    <AuthPage title={props.title}>
      <h1>{props.title}</h1>
      {body}
    </AuthPage>
  );
}
