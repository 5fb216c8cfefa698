export const ROLES: { id: number; name: string; label: string }[] = [
  { id: 1, name: "projectAdmin", label: "Project admin" },
  { id: 4, name: "maintainer", label: "Maintainer" },
  { id: 2, name: "developer", label: "Developer" },
  { id: 3, name: "guest", label: "Guest" },
  { id: 5, name: "limitedGuest", label: "Limited guest" },
];

export function roleLabel(id: number | null | undefined): string {
  return ROLES.find((r) => r.id === id)?.label ?? `Role ${id}`;
}
