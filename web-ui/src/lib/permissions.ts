export interface Permission {
  resource: string;
  action: string;
}

/**
 * Whether a list from `/users/current/permissions?relative=true` grants `action` on
 * `resource`. The server lists the project itself as resource ".".
 */
export function can(perms: Permission[] | undefined, resource: string, action: string): boolean {
  if (!perms) return false;
  return perms.some(
    (p) => (p.resource === resource || p.resource === "*") && (p.action === action || p.action === "*"),
  );
}
