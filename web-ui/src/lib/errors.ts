/** An error answered by the Berth API, carrying Harbor's `{"errors":[{code,message}]}` body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfter: string | null;
  constructor(status: number, message: string, code?: string, retryAfter: string | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

interface HarborErrors {
  errors?: { code?: string; message?: string }[];
}

function firstError(body: unknown): { code?: string; message?: string } | undefined {
  if (body && typeof body === "object" && Array.isArray((body as HarborErrors).errors)) {
    return (body as HarborErrors).errors![0];
  }
  return undefined;
}

/**
 * The message to show a person for anything thrown by an API call: the API's own
 * `errors[0].message` when there is one, else a short description of the failure.
 */
export function apiErrorMessage(err: unknown, fallback = "Something went wrong"): string {
  if (err == null) return fallback;
  if (err instanceof ApiError) return err.message || fallback;
  const first = firstError(err);
  if (first?.message) return first.message;
  if (first?.code) return first.code;
  if (typeof err === "string") return err || fallback;
  if (err instanceof TypeError) return "Cannot reach the server: " + err.message;
  if (err instanceof Error) return err.message || fallback;
  return fallback;
}

/** Builds an ApiError from an HTTP response and its (already parsed, possibly empty) body. */
export function toApiError(response: Response, body: unknown): ApiError {
  const first = firstError(body);
  const message =
    first?.message ||
    first?.code ||
    (typeof body === "string" && body.trim() ? body.trim() : "") ||
    `${response.status} ${response.statusText || "error"}`.trim();
  return new ApiError(response.status, message, first?.code, response.headers.get("Retry-After"));
}
