import { useState } from "react";
import { Link } from "react-router";
import { Button, Label, PageSection, Title, Toolbar, ToolbarContent } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import { api, unwrapPage } from "../../api/client";
import { type Robot } from "../../api/queries";
import { useDeleteRobot, useToggleRobot } from "../../api/robots";
import { ConfirmModal, EmptyTable, InlineError, PagedTable, ToolbarPager } from "../../components/common";
import { usePagedQuery } from "../../components/usePagedQuery";
import { RobotStatus } from "../../components/RobotStatus";
import { formatExpiry, formatTime } from "../../lib/format";

/** The projects a robot covers: its namespaces, `*` meaning all. */
export function robotProjects(r: Robot): string[] {
  return [...new Set((r.permissions ?? []).filter((p) => p.kind === "project").map((p) => p.namespace))];
}

export default function RobotsPage() {
  const [deleting, setDeleting] = useState<Robot | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const toggle = useToggleRobot({ onMutate: () => setActionError(null), onError: setActionError });
  const deleteRobot = useDeleteRobot();

  const { query: robots, paging, total } = usePagedQuery({
    key: ["robots", "all"],
    initialPerPage: 20,
    fetch: (query) => unwrapPage(api.GET("/api/v2.0/robots", { params: { query } })),
  });

  return (
    <PageSection>
      <Title headingLevel="h1" style={{ marginBottom: "1rem" }}>
        Robot accounts
      </Title>
      <Toolbar>
        <ToolbarContent>
          <ToolbarPager isCompact={false} total={total} paging={paging} testId="admin-robots-pagination" />
        </ToolbarContent>
      </Toolbar>
      <InlineError error={actionError} testId="robot-action-error" />
      <PagedTable
        query={robots}
        empty={<EmptyTable title="No robot accounts">Project administrators create robot accounts on a project's Robot accounts tab.</EmptyTable>}
      >
        {(items) => (
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
              {items.map((r) => (
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
      </PagedTable>
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
