import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  Button,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
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
import { type Member, type Project } from "../../api/queries";
import { ConfirmModal, EmptyTable, InlineError, PagedTable, ToolbarPager } from "../../components/common";
import { usePagedQuery } from "../../components/usePagedQuery";
import { apiErrorMessage } from "../../lib/errors";
import { can, type Permission } from "../../lib/permissions";
import { ROLES, roleLabel } from "../../lib/roles";

function AddMemberModal({ project, isOpen, onClose }: { project: Project; isOpen: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const [username, setUsername] = useState("");
  const [role, setRole] = useState(2);
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v2.0/projects/{project_name_or_id}/members", {
          params: { path: { project_name_or_id: project.name } },
          headers: { "X-Is-Resource-Name": "true" },
          body: { role_id: role, member_user: { username: username.trim() } },
        }),
      ),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ["members", project.name] });
      close();
    },
  });
  function close() {
    setUsername("");
    setRole(2);
    add.reset();
    onClose();
  }
  return (
    <Modal variant="small" isOpen={isOpen} onClose={close} aria-labelledby="add-member-title" data-testid="add-member-modal">
      <ModalHeader title="Add member" labelId="add-member-title" />
      <ModalBody>
        <Form
          id="add-member-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (username.trim()) add.mutate();
          }}
        >
          <FormGroup label="Username" isRequired fieldId="member-username">
            <TextInput
              id="member-username"
              data-testid="member-username"
              autoFocus
              value={username}
              validated={add.isError ? "error" : "default"}
              onChange={(_e, v) => {
                setUsername(v);
                if (add.isError) add.reset();
              }}
            />
            {add.isError && (
              <FormHelperText>
                <HelperText>
                  <HelperTextItem variant="error" data-testid="member-username-error">
                    {apiErrorMessage(add.error)}
                  </HelperTextItem>
                </HelperText>
              </FormHelperText>
            )}
          </FormGroup>
          <FormGroup label="Role" fieldId="member-role">
            <FormSelect id="member-role" data-testid="member-role" value={String(role)} onChange={(_e, v) => setRole(Number(v))}>
              {ROLES.map((r) => (
                <FormSelectOption key={r.id} value={String(r.id)} label={r.label} />
              ))}
            </FormSelect>
          </FormGroup>
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button type="submit" form="add-member-form" data-testid="member-add-submit" isLoading={add.isPending} isDisabled={!username.trim() || add.isPending}>
          Add
        </Button>
        <Button variant="link" onClick={close}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}

function RoleCell({ project, member, editable }: { project: Project; member: Member; editable: boolean }) {
  const qc = useQueryClient();
  const update = useMutation({
    mutationFn: (role_id: number) =>
      unwrap(
        api.PUT("/api/v2.0/projects/{project_name_or_id}/members/{mid}", {
          params: { path: { project_name_or_id: project.name, mid: member.id } },
          headers: { "X-Is-Resource-Name": "true" },
          body: { role_id },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["members", project.name] }),
  });
  if (!editable) return <>{roleLabel(member.role_id)}</>;
  return (
    <>
      <FormSelect
        aria-label={`Role of ${member.entity_name}`}
        data-testid={`member-role-${member.entity_name}`}
        value={String(member.role_id)}
        isDisabled={update.isPending}
        onChange={(_e, v) => update.mutate(Number(v))}
        style={{ maxWidth: "14rem" }}
      >
        {ROLES.map((r) => (
          <FormSelectOption key={r.id} value={String(r.id)} label={r.label} />
        ))}
      </FormSelect>
      <InlineError error={update.error} testId={`member-role-error-${member.entity_name}`} />
    </>
  );
}

export default function MembersTab({ project, permissions }: { project: Project; permissions: Permission[] | undefined }) {
  const qc = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  const canAdd = can(permissions, "member", "create");
  const canUpdate = can(permissions, "member", "update");
  const canDelete = can(permissions, "member", "delete");

  const { query: members, paging, total } = usePagedQuery({
    key: ["members", project.name],
    fetch: (query) =>
      unwrapPage(
        api.GET("/api/v2.0/projects/{project_name_or_id}/members", {
          params: { path: { project_name_or_id: project.name }, query },
          headers: { "X-Is-Resource-Name": "true" },
        }),
      ),
  });

  return (
    <>
      <Toolbar>
        <ToolbarContent>
          {canAdd && (
            <ToolbarItem>
              <Button data-testid="member-add" onClick={() => setAdding(true)}>
                Add member
              </Button>
            </ToolbarItem>
          )}
          <ToolbarPager total={total} paging={paging} />
        </ToolbarContent>
      </Toolbar>
      <PagedTable query={members} empty={<EmptyTable title="No members" />}>
        {(items) => (
          <Table aria-label="Members" variant="compact" data-testid="members-table">
            <Thead>
              <Tr>
                <Th>Name</Th>
                <Th>Type</Th>
                <Th>Role</Th>
                <Th screenReaderText="Actions" />
              </Tr>
            </Thead>
            <Tbody>
              {items.map((m) => (
                <Tr key={m.id} data-testid={`member-row-${m.entity_name}`}>
                  <Td dataLabel="Name">{m.entity_name}</Td>
                  <Td dataLabel="Type">{m.entity_type === "g" ? "Group" : "User"}</Td>
                  <Td dataLabel="Role">
                    <RoleCell project={project} member={m} editable={canUpdate} />
                  </Td>
                  <Td isActionCell>
                    {canDelete && (
                      <Button variant="secondary" isDanger size="sm" data-testid={`member-remove-${m.entity_name}`} onClick={() => setRemoving(m)}>
                        Remove
                      </Button>
                    )}
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PagedTable>
      <AddMemberModal project={project} isOpen={adding} onClose={() => setAdding(false)} />
      <ConfirmModal
        isOpen={removing != null}
        title="Remove member?"
        confirmLabel="Remove"
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          await unwrap(
            api.DELETE("/api/v2.0/projects/{project_name_or_id}/members/{mid}", {
              params: { path: { project_name_or_id: project.name, mid: removing!.id } },
              headers: { "X-Is-Resource-Name": "true" },
            }),
          );
          await qc.invalidateQueries({ queryKey: ["members", project.name] });
        }}
      >
        <b>{removing?.entity_name}</b> will lose access to the project {project.name}.
      </ConfirmModal>
    </>
  );
}
