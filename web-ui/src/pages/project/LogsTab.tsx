import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrapPage } from "../../api/client";
import type { Project } from "../../api/queries";
import { AuditLogTable, LogFilters, logQuery, type LogFilterState } from "../../components/AuditLogTable";
import { useDebounced } from "../../components/useDebounced";

export default function LogsTab({ project }: { project: Project }) {
  const [filters, setFilters] = useState<LogFilterState>({ operation: "", username: "", resource: "" });
  const [page, setPage] = useState(1);
  const [perPage, setPerPage] = useState(10);
  const q = useDebounced(logQuery(filters));
  const logs = useQuery({
    queryKey: ["project-logs", project.name, { q, page, perPage }],
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrapPage(
        api.GET("/api/v2.0/projects/{project_name}/logs", {
          params: { path: { project_name: project.name }, query: { q: q || undefined, page, page_size: perPage } },
        }),
      ),
  });
  return (
    <>
      <LogFilters
        value={filters}
        onChange={(f) => {
          setFilters(f);
          setPage(1);
        }}
      />
      <AuditLogTable query={logs} page={page} perPage={perPage} onPage={(p, pp) => (setPage(p), setPerPage(pp))} />
    </>
  );
}
