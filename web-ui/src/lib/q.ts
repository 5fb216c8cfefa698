/**
 * A value safe to put in one Harbor `q` term: characters that would end the term
 * or change its operator are dropped (`%`, `_` and `\` are literal on the server).
 */
export function qValue(value: string): string {
  return value.replace(/[,{}()[\]~=]/g, "");
}
