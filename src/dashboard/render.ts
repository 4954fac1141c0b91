import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** A page as the answer: the document type, then the rendered JSX. */
export async function page(c: Context, node: unknown, status: ContentfulStatusCode = 200): Promise<Response> {
  const html = await Promise.resolve(node as string | Promise<string>);
  return c.html(`<!DOCTYPE html>${html}`, status);
}
