import { useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Button,
  Checkbox,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  TextInput,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import { api, unwrap, unwrapPage } from "../../api/client";
import { type Project, type Robot } from "../../api/queries";
import { useDeleteRobot, useToggleRobot } from "../../api/robots";
import { ConfirmModal, EmptyTable, InlineError, LoadingState, PagedTable, ToolbarPager } from "../../components/common";
import { usePagedQuery } from "../../components/usePagedQuery";
import RobotSecretModal from "../../components/RobotSecretModal";
import { RobotStatus } from "../../components/RobotStatus";
import { apiErrorMessage } from "../../lib/errors";
import { formatExpiry, formatTime } from "../../lib/format";
import { can, type Permission } from "../../lib/permissions";

const key = (p: Permission) => `${p.resource}:${p.action}`;

/** Resources as rows, actions as columns, for the permissions the server offers. */
export function permissionGrid(available: Permission[]): { resources: string[]; actions: string[]; offered: Set<string> } {
  const resources = [...new Set(available.map((p) => p.resource))].sort();
  const actions = [...new Set(available.map((p) => p.action))];
  const order = ["list", "read", "create", "update", "delete", "pull", "push", "stop"];
  actions.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
  return { resources, actions, offered: new Set(available.map(key)) };
}

const DEFAULT_GRANTS = ["repository:pull", "repository:push", "artifact:read", "tag:list", "tag:create"];

function PermissionPicker({ available, selected, onChange }: { available: Permission[]; selected: Set<string>; onChange: (s: Set<string>) => void }) {
  const { resources, actions, offered } = useMemo(() => permissionGrid(available), [available]);
  const toggle = (k: string, on: boolean) => {
    const n = new Set(selected);
    if (on) n.add(k);
    else n.delete(k);
    onChange(n);
  };
  return (
    <div style={{ maxHeight: "18rem", overflow: "auto" }}>
      <div style={{ marginBottom: "0.5rem" }}>
        <Button variant="link" isInline onClick={() => onChange(new Set(offered))} data-testid="robot-perm-all">
          Select all
        </Button>{" "}
        ·{" "}
        <Button variant="link" isInline onClick={() => onChange(new Set())} data-testid="robot-perm-none">
          Clear
        </Button>{" "}
        ·{" "}
        <Button variant="link" isInline onClick={() => onChange(new Set(DEFAULT_GRANTS.filter((g) => offered.has(g))))} data-testid="robot-perm-pushpull">
          Pull and push
        </Button>
      </div>
      <table className="berth-perm-grid" data-testid="robot-permissions">
        <thead>
          <tr>
            <th>Resource</th>
            {actions.map((a) => (
              <th key={a}>{a}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {resources.map((r) => (
            <tr key={r}>
              <td>{r}</td>
              {actions.map((a) => {
                const k = `${r}:${a}`;
                return (
                  <td key={a}>
                    {offered.has(k) && (
                      <Checkbox
                        id={`perm-${r}-${a}`}
                        data-testid={`perm-${r}-${a}`}
                        aria-label={`${a} ${r}`}
                        isChecked={selected.has(k)}
                        onChange={(_e, on) => toggle(k, on)}
                      />
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CreateRobotModal({
  project,
  isOpen,
  onClose,
  onCreated,
}: {
  project: Project;
  isOpen: boolean;
  onClose: () => void;
  onCreated: (r: { name: string; secret: string }) => void;
}) {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [never, setNever] = useState(false);
  const [days, setDays] = useState("30");
  const [selected, setSelected] = useState<Set<string>>(new Set(DEFAULT_GRANTS));
  const available = useQuery({
    queryKey: ["robot-permissions"],
    enabled: isOpen,
    staleTime: Infinity,
    queryFn: async () => {
      const all = await unwrap(api.GET("/api/v2.0/permissions"));
      return ((all as { project?: Permission[] }).project ?? []) as Permission[];
    },
  });
  const daysInvalid = !never && !(Number.isInteger(Number(days)) && Number(days) > 0);
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v2.0/robots", {
          body: {
            name: name.trim(),
            description,
            duration: never ? -1 : Number(days),
            level: "project",
            disable: false,
            permissions: [
              {
                kind: "project",
                namespace: project.name,
                access: [...selected].map((k) => {
                  const [resource, action] = k.split(":");
                  return { resource, action, effect: "allow" };
                }),
              },
            ],
          },
        }),
      ),
    onSuccess: async (created) => {
      await qc.invalidateQueries({ queryKey: ["robots", project.project_id] });
      onCreated({ name: created.name, secret: created.secret });
      close();
    },
  });
  function close() {
    setName("");
    setDescription("");
    setNever(false);
    setDays("30");
    setSelected(new Set(DEFAULT_GRANTS));
    create.reset();
    onClose();
  }
  return (
    <Modal variant="large" isOpen={isOpen} onClose={close} aria-labelledby="create-robot-title" data-testid="create-robot-modal">
      <ModalHeader title="New robot account" labelId="create-robot-title" />
      <ModalBody>
        <Form
          id="create-robot-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim() && !daysInvalid && selected.size) create.mutate();
          }}
        >
          <FormGroup label="Name" isRequired fieldId="robot-name">
            <TextInput
              id="robot-name"
              data-testid="robot-name"
              autoFocus
              value={name}
              validated={create.isError ? "error" : "default"}
              onChange={(_e, v) => {
                setName(v);
                if (create.isError) create.reset();
              }}
            />
            <FormHelperText>
              <HelperText>
                {create.isError ? (
                  <HelperTextItem variant="error" data-testid="robot-name-error">
                    {apiErrorMessage(create.error)}
                  </HelperTextItem>
                ) : (
                  <HelperTextItem>The account is named robot$&lt;project&gt;+&lt;name&gt;.</HelperTextItem>
                )}
              </HelperText>
            </FormHelperText>
          </FormGroup>
          <FormGroup label="Description" fieldId="robot-description">
            <TextInput id="robot-description" data-testid="robot-description" value={description} onChange={(_e, v) => setDescription(v)} />
          </FormGroup>
          <FormGroup label="Expires after" fieldId="robot-days">
            <Checkbox id="robot-never" data-testid="robot-never" label="Never expires" isChecked={never} onChange={(_e, v) => setNever(v)} />
            {!never && (
              <TextInput
                id="robot-days"
                data-testid="robot-days"
                type="number"
                min={1}
                value={days}
                validated={daysInvalid ? "error" : "default"}
                onChange={(_e, v) => setDays(v)}
                aria-label="Days until expiry"
                style={{ marginTop: "0.5rem", maxWidth: "10rem" }}
              />
            )}
            {!never && (
              <FormHelperText>
                <HelperText>
                  <HelperTextItem variant={daysInvalid ? "error" : "default"}>Days, a whole number of at least 1.</HelperTextItem>
                </HelperText>
              </FormHelperText>
            )}
          </FormGroup>
          <FormGroup label="Permissions" fieldId="robot-permissions">
            {available.isLoading ? (
              <LoadingState />
            ) : available.isError ? (
              <InlineError error={available.error} />
            ) : (
              <PermissionPicker available={available.data!} selected={selected} onChange={setSelected} />
            )}
          </FormGroup>
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          type="submit"
          form="create-robot-form"
          data-testid="robot-create-submit"
          isLoading={create.isPending}
          isDisabled={!name.trim() || daysInvalid || selected.size === 0 || create.isPending}
        >
          Create
        </Button>
        <Button variant="link" onClick={close}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}

export default function RobotsTab({ project, permissions }: { project: Project; permissions: Permission[] | undefined }) {
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [deleting, setDeleting] = useState<Robot | null>(null);
  const [refreshing, setRefreshing] = useState<Robot | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const canCreate = can(permissions, "robot", "create");
  const canUpdate = can(permissions, "robot", "update");
  const canDelete = can(permissions, "robot", "delete");

  const { query: robots, paging, total } = usePagedQuery({
    key: ["robots", project.project_id],
    fetch: (query) =>
      unwrapPage(
        api.GET("/api/v2.0/robots", {
          params: { query: { q: `Level=project,ProjectID=${project.project_id}`, ...query } },
        }),
      ),
  });

  const toggle = useToggleRobot({ onMutate: () => setActionError(null), onError: setActionError });
  const deleteRobot = useDeleteRobot();

  return (
    <>
      <Toolbar>
        <ToolbarContent>
          {canCreate && (
            <ToolbarItem>
              <Button data-testid="robot-create" onClick={() => setCreating(true)}>
                New robot account
              </Button>
            </ToolbarItem>
          )}
          <ToolbarPager total={total} paging={paging} />
        </ToolbarContent>
      </Toolbar>
      <InlineError error={actionError} testId="robot-action-error" />
      <PagedTable
        query={robots}
        empty={<EmptyTable title="No robot accounts">Robot accounts let CI systems push and pull without a person's password.</EmptyTable>}
      >
        {(items) => (
          <Table aria-label="Robot accounts" variant="compact" data-testid="robots-table">
            <Thead>
              <Tr>
                <Th>Name</Th>
                <Th>Status</Th>
                <Th>Permissions</Th>
                <Th>Expires</Th>
                <Th>Description</Th>
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
                  <Td dataLabel="Status">
                    <RobotStatus robot={r} />
                  </Td>
                  <Td dataLabel="Permissions">{(r.permissions ?? []).reduce((n, p) => n + (p.access?.length ?? 0), 0)}</Td>
                  <Td dataLabel="Expires">{formatExpiry(r.expires_at)}</Td>
                  <Td dataLabel="Description">{r.description}</Td>
                  <Td dataLabel="Created">{formatTime(r.creation_time)}</Td>
                  <Td isActionCell modifier="nowrap">
                    {canUpdate && (
                      <>
                        <Button variant="link" size="sm" data-testid={`robot-refresh-${r.name}`} onClick={() => setRefreshing(r)}>
                          New secret
                        </Button>
                        <Button
                          variant="link"
                          size="sm"
                          data-testid={`robot-toggle-${r.name}`}
                          isLoading={toggle.isPending && toggle.variables?.id === r.id}
                          onClick={() => toggle.mutate(r)}
                        >
                          {r.disable ? "Enable" : "Disable"}
                        </Button>
                      </>
                    )}
                    {canDelete && (
                      <Button variant="secondary" isDanger size="sm" data-testid={`robot-delete-${r.name}`} onClick={() => setDeleting(r)}>
                        Delete
                      </Button>
                    )}
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PagedTable>
      <CreateRobotModal project={project} isOpen={creating} onClose={() => setCreating(false)} onCreated={setSecret} />
      <RobotSecretModal robot={secret} onClose={() => setSecret(null)} />
      <ConfirmModal
        isOpen={refreshing != null}
        title="Generate a new secret?"
        confirmLabel="Generate"
        onClose={() => setRefreshing(null)}
        onConfirm={async () => {
          const r = refreshing!;
          const res = await unwrap(api.PATCH("/api/v2.0/robots/{robot_id}", { params: { path: { robot_id: r.id } }, body: {} }));
          setSecret({ name: r.name, secret: res.secret });
        }}
      >
        The current secret of <b>{refreshing?.name}</b> stops working at once.
      </ConfirmModal>
      <ConfirmModal
        isOpen={deleting != null}
        title="Delete robot account?"
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          await deleteRobot(deleting!);
        }}
      >
        <b>{deleting?.name}</b> will no longer be able to sign in.
      </ConfirmModal>
    </>
  );
}
