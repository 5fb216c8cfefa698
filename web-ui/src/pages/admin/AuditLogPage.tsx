import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { PageSection, Title } from "@patternfly/react-core";
import { api, unwrapPage } from "../../api/client";
import { AuditLogTable, LogFilters, logQuery, type LogFilterState } from "../../components/AuditLogTable";
import { useDebounced } from "../../components/useDebounced";

export default function AuditLogPage() {
  const [filters, setFilters] = useState<LogFilterState>({ operation: "", username: "", resource: "" });
  const [page, setPage] = useState(1);
  const [perPage, setPerPage] = useState(20);
  const q = useDebounced(logQuery(filters));
  const logs = useQuery({
    queryKey: ["audit-logs", { q, page, perPage }],
    placeholderData: keepPreviousData,
    queryFn: () => unwrapPage(api.GET("/api/v2.0/audit-logs", { params: { query: { q: q || undefined, page, page_size: perPage } } })),
  });
  return (
    <PageSection>
      <Title headingLevel="h1">Audit log</Title>
      <LogFilters
        value={filters}
        onChange={(f) => {
          setFilters(f);
          setPage(1);
        }}
      />
      <AuditLogTable query={logs} page={page} perPage={perPage} onPage={(p, pp) => (setPage(p), setPerPage(pp))} />
    </PageSection>
  );
}
