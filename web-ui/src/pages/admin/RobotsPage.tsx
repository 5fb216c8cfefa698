import { useState } from "react";
import { Link } from "react-router";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Button, Label, PageSection, Title, Toolbar, ToolbarContent, ToolbarItem } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import { api, unwrapPage } from "../../api/client";
import { type Robot } from "../../api/queries";
import { useDeleteRobot, useToggleRobot } from "../../api/robots";
import { ConfirmModal, EmptyTable, ErrorState, InlineError, Pager, TableSkeleton } from "../../components/common";
import { RobotStatus } from "../../components/RobotStatus";
import { formatExpiry, formatTime } from "../../lib/format";

/** The projects a robot covers: its namespaces, `*` meaning all. */
export function robotProjects(r: Robot): string[] {
  return [...new Set((r.permissions ?? []).filter((p) => p.kind === "project").map((p) => p.namespace))];
}

export default function RobotsPage() {
  const [page, setPage] = useState(1);
  const [perPage, setPerPage] = useState(20);
  const [deleting, setDeleting] = useState<Robot | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const toggle = useToggleRobot({ onMutate: () => setActionError(null), onError: setActionError });
  const deleteRobot = useDeleteRobot();

  const robots = useQuery({
    queryKey: ["robots", "all", { page, perPage }],
    placeholderData: keepPreviousData,
    queryFn: () => unwrapPage(api.GET("/api/v2.0/robots", { params: { query: { page, page_size: perPage } } })),
  });

  return (
    <PageSection>
      <Title headingLevel="h1" style={{ marginBottom: "1rem" }}>
        Robot accounts
      </Title>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem variant="pagination" align={{ default: "alignEnd" }}>
            <Pager total={robots.data?.total ?? 0} page={page} perPage={perPage} onChange={(p, pp) => (setPage(p), setPerPage(pp))} testId="admin-robots-pagination" />
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      <InlineError error={actionError} testId="robot-action-error" />
      {robots.isLoading ? (
        <TableSkeleton />
      ) : robots.isError ? (
        <ErrorState error={robots.error} onRetry={() => robots.refetch()} />
      ) : robots.data!.items.length === 0 ? (
        <EmptyTable title="No robot accounts">Project administrators create robot accounts on a project's Robot accounts tab.</EmptyTable>
      ) : (
        <Table aria-label="All robot accounts" variant="compact" data-testid="admin-robots-table">
          <Thead>
            <Tr>
              <Th>Name</Th>
              <Th modifier="nowrap">Level</Th>
              <Th modifier="nowrap">Project</Th>
              <Th>Status</Th>
              <Th>Expires</Th>
              <Th>Created</Th>
              <Th screenReaderText="Actions" />
            </Tr>
          </Thead>
          <Tbody>
            {robots.data!.items.map((r) => (
              <Tr key={r.id} data-testid={`robot-row-${r.name}`}>
                <Td dataLabel="Name" className="berth-mono">
                  {r.name}
                </Td>
                <Td dataLabel="Level">
                  <Label isCompact color={r.level === "system" ? "purple" : "blue"} data-testid="robot-level">
                    {r.level === "system" ? "System" : "Project"}
                  </Label>
                </Td>
                <Td dataLabel="Project">
                  {robotProjects(r).map((ns, i) => (
                    <span key={ns}>
                      {i > 0 && ", "}
                      {ns === "*" ? "All projects" : <Link to={`/projects/${encodeURIComponent(ns)}/robots`}>{ns}</Link>}
                    </span>
                  ))}
                </Td>
                <Td dataLabel="Status">
                  <RobotStatus robot={r} />
                </Td>
                <Td dataLabel="Expires">{formatExpiry(r.expires_at)}</Td>
                <Td dataLabel="Created">{formatTime(r.creation_time)}</Td>
                <Td isActionCell modifier="nowrap">
                  <Button
                    variant="link"
                    size="sm"
                    data-testid={`robot-toggle-${r.name}`}
                    isLoading={toggle.isPending && toggle.variables?.id === r.id}
                    onClick={() => toggle.mutate(r)}
                  >
                    {r.disable ? "Enable" : "Disable"}
                  </Button>
                  <Button variant="secondary" isDanger size="sm" data-testid={`robot-delete-${r.name}`} onClick={() => setDeleting(r)}>
                    Delete
                  </Button>
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      )}
      <ConfirmModal
        isOpen={deleting != null}
        title="Delete robot account?"
        onClose={() => setDeleting(null)}
        onConfirm={() => deleteRobot(deleting!)}
      >
        <b>{deleting?.name}</b> will no longer be able to sign in.
      </ConfirmModal>
    </PageSection>
  );
}
