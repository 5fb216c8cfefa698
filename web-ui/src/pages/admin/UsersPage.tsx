import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  Button,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  Label,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  PageSection,
  SearchInput,
  TextInput,
  Title,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import { api, unwrap, unwrapPage } from "../../api/client";
import { type User } from "../../api/queries";
import { useAuth } from "../../auth/AuthContext";
import { ConfirmModal, EmptyTable, InlineError, PagedTable, ToolbarPager } from "../../components/common";
import { useDebounced } from "../../components/useDebounced";
import { usePagedQuery } from "../../components/usePagedQuery";
import { apiErrorMessage, ApiError } from "../../lib/errors";
import { formatTime } from "../../lib/format";
import { qValue } from "../../lib/q";

/** Which field an API error is about, judged from its message. */
function fieldOf(err: unknown): "username" | "email" | "password" | "realname" | null {
  if (!(err instanceof ApiError)) return null;
  const m = err.message.toLowerCase();
  if (m.includes("password")) return "password";
  if (m.includes("email")) return "email";
  if (m.includes("realname") || m.includes("full name")) return "realname";
  return "username";
}

function FieldError({ err, field }: { err: unknown; field: string }) {
  if (!err || fieldOf(err) !== field) return null;
  return (
    <FormHelperText>
      <HelperText>
        <HelperTextItem variant="error" data-testid={`user-${field}-error`}>
          {apiErrorMessage(err)}
        </HelperTextItem>
      </HelperText>
    </FormHelperText>
  );
}

function CreateUserModal({ isOpen, onClose }: { isOpen: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const [form, setForm] = useState({ username: "", email: "", realname: "", password: "", comment: "" });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v2.0/users", { body: { ...form, email: form.email || null } })),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ["users"] });
      close();
    },
  });
  function close() {
    setForm({ username: "", email: "", realname: "", password: "", comment: "" });
    create.reset();
    onClose();
  }
  const set = (k: keyof typeof form) => (_e: unknown, v: string) => {
    setForm((f) => ({ ...f, [k]: v }));
    if (create.isError) create.reset();
  };
  const err = create.error;
  const validated = (f: string) => (err && fieldOf(err) === f ? "error" : "default");
  return (
    <Modal variant="small" isOpen={isOpen} onClose={close} aria-labelledby="create-user-title" data-testid="create-user-modal">
      <ModalHeader title="New user" labelId="create-user-title" />
      <ModalBody>
        <Form
          id="create-user-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (form.username && form.password) create.mutate();
          }}
        >
          <FormGroup label="Username" isRequired fieldId="user-username">
            <TextInput id="user-username" data-testid="user-username" value={form.username} onChange={set("username")} validated={validated("username")} autoFocus />
            <FieldError err={err} field="username" />
          </FormGroup>
          <FormGroup label="Email" fieldId="user-email">
            <TextInput id="user-email" data-testid="user-email" type="email" value={form.email} onChange={set("email")} validated={validated("email")} />
            <FieldError err={err} field="email" />
          </FormGroup>
          <FormGroup label="Full name" fieldId="user-realname">
            <TextInput id="user-realname" data-testid="user-realname" value={form.realname} onChange={set("realname")} validated={validated("realname")} />
            <FieldError err={err} field="realname" />
          </FormGroup>
          <FormGroup label="Password" isRequired fieldId="user-password">
            <TextInput
              id="user-password"
              data-testid="user-password"
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={set("password")}
              validated={validated("password")}
            />
            <FieldError err={err} field="password" />
          </FormGroup>
          <FormGroup label="Comment" fieldId="user-comment">
            <TextInput id="user-comment" data-testid="user-comment" value={form.comment} onChange={set("comment")} />
          </FormGroup>
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button type="submit" form="create-user-form" data-testid="user-create-submit" isLoading={create.isPending} isDisabled={!form.username || !form.password || create.isPending}>
          Create
        </Button>
        <Button variant="link" onClick={close}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}

function ResetPasswordModal({ user, onClose }: { user: User | null; onClose: () => void }) {
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const reset = useMutation({
    mutationFn: () =>
      unwrap(api.PUT("/api/v2.0/users/{user_id}/password", { params: { path: { user_id: user!.user_id } }, body: { new_password: password } })),
    onSuccess: () => setDone(true),
  });
  function close() {
    setPassword("");
    setDone(false);
    reset.reset();
    onClose();
  }
  return (
    <Modal variant="small" isOpen={user != null} onClose={close} aria-labelledby="reset-password-title" data-testid="reset-password-modal">
      <ModalHeader title={`Reset password of ${user?.username ?? ""}`} labelId="reset-password-title" />
      <ModalBody>
        {done ? (
          <p data-testid="reset-password-done">The password was changed.</p>
        ) : (
          <Form
            id="reset-password-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (password) reset.mutate();
            }}
          >
            <FormGroup label="New password" isRequired fieldId="reset-password">
              <TextInput
                id="reset-password"
                data-testid="reset-password"
                type="password"
                autoComplete="new-password"
                autoFocus
                value={password}
                validated={reset.isError ? "error" : "default"}
                onChange={(_e, v) => {
                  setPassword(v);
                  if (reset.isError) reset.reset();
                }}
              />
              {reset.isError && (
                <FormHelperText>
                  <HelperText>
                    <HelperTextItem variant="error" data-testid="reset-password-error">
                      {apiErrorMessage(reset.error)}
                    </HelperTextItem>
                  </HelperText>
                </FormHelperText>
              )}
            </FormGroup>
          </Form>
        )}
      </ModalBody>
      <ModalFooter>
        {done ? (
          <Button onClick={close}>Done</Button>
        ) : (
          <>
            <Button type="submit" form="reset-password-form" data-testid="reset-password-submit" isLoading={reset.isPending} isDisabled={!password || reset.isPending}>
              Change password
            </Button>
            <Button variant="link" onClick={close}>
              Cancel
            </Button>
          </>
        )}
      </ModalFooter>
    </Modal>
  );
}

export default function UsersPage() {
  const { user: me } = useAuth();
  const qc = useQueryClient();
  const [search, setSearch] = useState("");
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<User | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const term = useDebounced(qValue(search.trim()));

  const { query: users, paging, setPage, total } = usePagedQuery({
    key: ["users"],
    vars: { term },
    fetch: (query) => unwrapPage(api.GET("/api/v2.0/users", { params: { query: { q: term ? `username=~${term}` : undefined, ...query } } })),
  });

  const setAdmin = useMutation({
    mutationFn: (u: User) =>
      unwrap(api.PUT("/api/v2.0/users/{user_id}/sysadmin", { params: { path: { user_id: u.user_id } }, body: { sysadmin_flag: !u.sysadmin_flag } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["users"] }),
  });

  return (
    <PageSection>
      <Title headingLevel="h1">Users</Title>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <SearchInput
              placeholder="Search by username"
              value={search}
              onChange={(_e, v) => {
                setSearch(v);
                setPage(1);
              }}
              onClear={() => setSearch("")}
              data-testid="user-search"
              aria-label="Search users"
            />
          </ToolbarItem>
          <ToolbarItem>
            <Button data-testid="user-create" onClick={() => setCreating(true)}>
              New user
            </Button>
          </ToolbarItem>
          <ToolbarPager total={total} paging={paging} />
        </ToolbarContent>
      </Toolbar>
      <InlineError error={setAdmin.error} testId="user-admin-error" />
      <PagedTable query={users} empty={<EmptyTable title="No users found" />}>
        {(items) => (
          <Table aria-label="Users" variant="compact" data-testid="users-table">
            <Thead>
              <Tr>
                <Th>Username</Th>
                <Th>Full name</Th>
                <Th>Email</Th>
                <Th>Role</Th>
                <Th>Created</Th>
                <Th screenReaderText="Actions" />
              </Tr>
            </Thead>
            <Tbody>
              {items.map((u) => {
                const self = u.user_id === me?.user_id;
                return (
                  <Tr key={u.user_id} data-testid={`user-row-${u.username}`}>
                    <Td dataLabel="Username">{u.username}</Td>
                    <Td dataLabel="Full name">{u.realname}</Td>
                    <Td dataLabel="Email">{u.email}</Td>
                    <Td dataLabel="Role">
                      {u.sysadmin_flag ? (
                        <Label color="purple" isCompact>
                          Administrator
                        </Label>
                      ) : (
                        "User"
                      )}
                    </Td>
                    <Td dataLabel="Created">{formatTime(u.creation_time)}</Td>
                    <Td isActionCell>
                      {!self && (
                        <Button
                          variant="link"
                          size="sm"
                          data-testid={`user-admin-${u.username}`}
                          isLoading={setAdmin.isPending && setAdmin.variables?.user_id === u.user_id}
                          onClick={() => setAdmin.mutate(u)}
                        >
                          {u.sysadmin_flag ? "Revoke admin" : "Make admin"}
                        </Button>
                      )}
                      <Button variant="link" size="sm" data-testid={`user-reset-${u.username}`} onClick={() => setResetting(u)}>
                        Reset password
                      </Button>
                      {!self && (
                        <Button variant="secondary" isDanger size="sm" data-testid={`user-delete-${u.username}`} onClick={() => setDeleting(u)}>
                          Delete
                        </Button>
                      )}
                    </Td>
                  </Tr>
                );
              })}
            </Tbody>
          </Table>
        )}
      </PagedTable>
      <CreateUserModal isOpen={creating} onClose={() => setCreating(false)} />
      <ResetPasswordModal user={resetting} onClose={() => setResetting(null)} />
      <ConfirmModal
        isOpen={deleting != null}
        title="Delete user?"
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          await unwrap(api.DELETE("/api/v2.0/users/{user_id}", { params: { path: { user_id: deleting!.user_id } } }));
          await qc.invalidateQueries({ queryKey: ["users"] });
        }}
      >
        The user <b>{deleting?.username}</b> will be deleted and removed from all projects.
      </ConfirmModal>
    </PageSection>
  );
}
