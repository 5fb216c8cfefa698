import type { UseQueryResult } from "@tanstack/react-query";
import { FormSelect, FormSelectOption, TextInput, Toolbar, ToolbarContent, ToolbarItem } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { Page } from "../api/client";
import type { AuditLog } from "../api/queries";
import { EmptyTable, ErrorState, Pager, TableSkeleton } from "./common";
import { formatTime } from "../lib/format";
import { qValue } from "../lib/q";

export interface LogFilterState {
  operation: string;
  username: string;
  resource: string;
}

const OPERATIONS = ["", "create", "delete", "push", "pull", "update"];

/** Harbor `q` for the filters: exact operation, substring username and resource. */
export function logQuery(f: LogFilterState): string {
  const terms: string[] = [];
  if (f.operation) terms.push(`operation=${qValue(f.operation)}`);
  if (f.username.trim()) terms.push(`username=~${qValue(f.username.trim())}`);
  if (f.resource.trim()) terms.push(`resource=~${qValue(f.resource.trim())}`);
  return terms.join(",");
}

export function LogFilters({ value, onChange }: { value: LogFilterState; onChange: (v: LogFilterState) => void }) {
  return (
    <Toolbar>
      <ToolbarContent>
        <ToolbarItem>
          <FormSelect
            aria-label="Operation"
            data-testid="log-filter-operation"
            value={value.operation}
            onChange={(_e, v) => onChange({ ...value, operation: v })}
          >
            {OPERATIONS.map((o) => (
              <FormSelectOption key={o} value={o} label={o || "All operations"} />
            ))}
          </FormSelect>
        </ToolbarItem>
        <ToolbarItem>
          <TextInput
            aria-label="Username"
            placeholder="Username"
            data-testid="log-filter-username"
            value={value.username}
            onChange={(_e, v) => onChange({ ...value, username: v })}
          />
        </ToolbarItem>
        <ToolbarItem>
          <TextInput
            aria-label="Resource"
            placeholder="Resource"
            data-testid="log-filter-resource"
            value={value.resource}
            onChange={(_e, v) => onChange({ ...value, resource: v })}
          />
        </ToolbarItem>
      </ToolbarContent>
    </Toolbar>
  );
}

export function AuditLogTable({
  query,
  page,
  perPage,
  onPage,
}: {
  query: UseQueryResult<Page<AuditLog>>;
  page: number;
  perPage: number;
  onPage: (page: number, perPage: number) => void;
}) {
  if (query.isLoading) return <TableSkeleton />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => query.refetch()} />;
  const { items, total } = query.data!;
  return (
    <>
      {items.length === 0 ? (
        <EmptyTable title="No log entries" />
      ) : (
        <Table aria-label="Audit log" variant="compact" data-testid="logs-table">
          <Thead>
            <Tr>
              <Th>Time</Th>
              <Th>User</Th>
              <Th>Operation</Th>
              <Th>Resource</Th>
              <Th>Resource type</Th>
            </Tr>
          </Thead>
          <Tbody>
            {items.map((l) => (
              <Tr key={l.id} data-testid="log-row" data-operation={l.operation}>
                <Td dataLabel="Time">{formatTime(l.op_time)}</Td>
                <Td dataLabel="User">{l.username}</Td>
                <Td dataLabel="Operation" data-testid="log-operation">
                  {l.operation}
                </Td>
                <Td dataLabel="Resource" className="berth-mono">
                  {l.resource}
                </Td>
                <Td dataLabel="Resource type">{l.resource_type}</Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      )}
      <Pager total={total} page={page} perPage={perPage} onChange={onPage} testId="logs-pagination" />
    </>
  );
}
