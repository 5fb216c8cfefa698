import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import type { components } from "./schema";
import type { Permission } from "../lib/permissions";

export type Project = components["schemas"]["Project"];
export type Repository = components["schemas"]["Repository"];
export type Artifact = components["schemas"]["Artifact"];
export type Robot = components["schemas"]["Robot"];
export type Member = components["schemas"]["ProjectMemberEntity"];
export type AuditLog = components["schemas"]["AuditLog"];
export type User = components["schemas"]["UserResp"];

export function useProject(name: string) {
  return useQuery({
    queryKey: ["project", name],
    queryFn: () =>
      unwrap(
        api.GET("/api/v2.0/projects/{project_name_or_id}", {
          params: { path: { project_name_or_id: name } },
          headers: { "X-Is-Resource-Name": "true" },
        }),
      ),
  });
}

export function useProjectSummary(name: string) {
  return useQuery({
    queryKey: ["project-summary", name],
    queryFn: () =>
      unwrap(
        api.GET("/api/v2.0/projects/{project_name_or_id}/summary", {
          params: { path: { project_name_or_id: name } },
          headers: { "X-Is-Resource-Name": "true" },
        }),
      ),
  });
}

/** The caller's permissions inside a project (relative resource names, e.g. `artifact`/`delete`). */
export function useProjectPermissions(projectId: number | undefined) {
  return useQuery({
    queryKey: ["permissions", projectId],
    enabled: projectId != null,
    staleTime: 60_000,
    queryFn: async () =>
      (await unwrap(
        api.GET("/api/v2.0/users/current/permissions", {
          params: { query: { scope: `/project/${projectId}`, relative: true } },
        }),
      )) as Permission[],
  });
}

/** The path of a repository inside its project: `demo/team/app` → `team/app`. */
export function repoPathInProject(projectName: string, repositoryName: string): string {
  return repositoryName.startsWith(projectName + "/") ? repositoryName.slice(projectName.length + 1) : repositoryName;
}
