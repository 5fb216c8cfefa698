import { useState } from "react";
import { Link } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  Button,
  Checkbox,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  InputGroup,
  InputGroupItem,
  Label,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  PageSection,
  Progress,
  ProgressMeasureLocation,
  SearchInput,
  Switch,
  TextInput,
  Title,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import { api, unwrap, unwrapPage } from "../api/client";
import { useProjectSummary, type Project } from "../api/queries";
import { useAuth } from "../auth/AuthContext";
import { ConfirmModal, EmptyTable, Pager, PagedTable, ToolbarPager } from "../components/common";
import { useDebounced } from "../components/useDebounced";
import { usePagedQuery } from "../components/usePagedQuery";
import { apiErrorMessage } from "../lib/errors";
import { formatTime, humanSize, QUOTA_UNITS } from "../lib/format";

export function QuotaBar({ used, hard }: { used: number; hard: number }) {
  if (hard < 0) {
    return (
      <span data-testid="quota-unlimited">
        {humanSize(used)} of unlimited
      </span>
    );
  }
  const pct = hard === 0 ? 100 : Math.min(100, (used / hard) * 100);
  return (
    <Progress
      className="berth-quota"
      value={pct}
      size="sm"
      measureLocation={ProgressMeasureLocation.outside}
      label={`${humanSize(used)} of ${humanSize(hard)}`}
      valueText={`${humanSize(used)} of ${humanSize(hard)}`}
      aria-label="Storage quota"
      variant={pct >= 100 ? "danger" : pct >= 80 ? "warning" : undefined}
      data-testid="quota-bar"
    />
  );
}

function QuotaCell({ name }: { name: string }) {
  const summary = useProjectSummary(name);
  if (summary.isLoading) return <span className="berth-muted">…</span>;
  const quota = (summary.data as { quota?: unknown } | undefined)?.quota;
  if (summary.isError || !quota) return <span className="berth-muted">-</span>;
  const q = quota as { hard?: { storage?: number }; used?: { storage?: number } };
  return <QuotaBar used={q.used?.storage ?? 0} hard={q.hard?.storage ?? -1} />;
}

const UNITS = QUOTA_UNITS;

function CreateProjectModal({ isOpen, onClose }: { isOpen: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [isPublic, setPublic] = useState(false);
  const [unlimited, setUnlimited] = useState(true);
  const [limit, setLimit] = useState("10");
  const [unit, setUnit] = useState("GiB");
  const create = useMutation({
    mutationFn: async () => {
      const factor = UNITS.find((u) => u.label === unit)!.factor;
      const storage_limit = unlimited ? -1 : Math.round(Number(limit) * factor);
      return unwrap(
        api.POST("/api/v2.0/projects", {
          body: { project_name: name.trim(), metadata: { public: String(isPublic) }, storage_limit },
        }),
      );
    },
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["projects"] });
      close();
    },
  });
  function close() {
    setName("");
    setPublic(false);
    setUnlimited(true);
    setLimit("10");
    create.reset();
    onClose();
  }
  const limitInvalid = !unlimited && !(Number(limit) > 0);
  return (
    <Modal variant="small" isOpen={isOpen} onClose={close} aria-labelledby="create-project-title" data-testid="create-project-modal">
      <ModalHeader title="New project" labelId="create-project-title" />
      <ModalBody>
        <Form
          id="create-project-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim() && !limitInvalid) create.mutate();
          }}
        >
          <FormGroup label="Project name" isRequired fieldId="project-name">
            <TextInput
              id="project-name"
              data-testid="project-name"
              value={name}
              isRequired
              autoFocus
              validated={create.isError ? "error" : "default"}
              onChange={(_e, v) => {
                setName(v);
                if (create.isError) create.reset();
              }}
            />
            <FormHelperText>
              <HelperText>
                {create.isError ? (
                  <HelperTextItem variant="error" data-testid="project-name-error">
                    {apiErrorMessage(create.error)}
                  </HelperTextItem>
                ) : (
                  <HelperTextItem>Lower-case letters, digits and . _ - ; it starts with a letter or digit.</HelperTextItem>
                )}
              </HelperText>
            </FormHelperText>
          </FormGroup>
          <FormGroup label="Access level" fieldId="project-public">
            <Switch
              id="project-public"
              data-testid="project-public"
              label="Public: anyone may pull"
              isChecked={isPublic}
              onChange={(_e, v) => setPublic(v)}
            />
          </FormGroup>
          <FormGroup label="Storage quota" fieldId="project-quota">
            <Checkbox
              id="project-quota-unlimited"
              data-testid="project-quota-unlimited"
              label="Unlimited"
              isChecked={unlimited}
              onChange={(_e, v) => setUnlimited(v)}
            />
            {!unlimited && (
              <InputGroup style={{ marginTop: "0.5rem" }}>
                <InputGroupItem isFill>
                  <TextInput
                    id="project-quota"
                    data-testid="project-quota"
                    type="number"
                    min={0}
                    value={limit}
                    validated={limitInvalid ? "error" : "default"}
                    onChange={(_e, v) => setLimit(v)}
                    aria-label="Storage limit"
                  />
                </InputGroupItem>
                <InputGroupItem>
                  <FormSelect value={unit} onChange={(_e, v) => setUnit(v)} aria-label="Unit" data-testid="project-quota-unit">
                    {UNITS.map((u) => (
                      <FormSelectOption key={u.label} value={u.label} label={u.label} />
                    ))}
                  </FormSelect>
                </InputGroupItem>
              </InputGroup>
            )}
          </FormGroup>
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          type="submit"
          form="create-project-form"
          data-testid="create-project-submit"
          isLoading={create.isPending}
          isDisabled={!name.trim() || limitInvalid || create.isPending}
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

export default function ProjectsPage() {
  const { user } = useAuth();
  const qc = useQueryClient();
  const [search, setSearch] = useState("");
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Project | null>(null);
  const name = useDebounced(search.trim());

  const { query: projects, paging, setPage, total } = usePagedQuery({
    key: ["projects"],
    vars: { name },
    fetch: (query) => unwrapPage(api.GET("/api/v2.0/projects", { params: { query: { name, ...query } } })),
  });

  const canDelete = (p: Project) => Boolean(user?.sysadmin_flag) || p.current_user_role_id === 1;

  return (
    <PageSection>
      <Title headingLevel="h1" style={{ marginBottom: "1rem" }}>
        Projects
      </Title>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <SearchInput
              placeholder="Search by name"
              value={search}
              onChange={(_e, v) => {
                setSearch(v);
                setPage(1);
              }}
              onClear={() => {
                setSearch("");
                setPage(1);
              }}
              data-testid="project-search"
              aria-label="Search projects by name"
            />
          </ToolbarItem>
          <ToolbarItem>
            <Button data-testid="create-project" onClick={() => setCreating(true)}>
              New project
            </Button>
          </ToolbarItem>
          <ToolbarPager total={total} paging={paging} testId="projects-pagination" />
        </ToolbarContent>
      </Toolbar>
      <PagedTable
        query={projects}
        empty={
          <EmptyTable title={name ? `No project matches “${name}”` : "No projects yet"}>
            {!name && "Create a project to push images into it."}
          </EmptyTable>
        }
      >
        {(items) => (
          <Table aria-label="Projects" variant="compact" data-testid="projects-table">
            <Thead>
              <Tr>
                <Th>Name</Th>
                <Th>Access</Th>
                <Th>Repositories</Th>
                <Th>Storage quota</Th>
                <Th>Created</Th>
                <Th screenReaderText="Actions" />
              </Tr>
            </Thead>
            <Tbody>
              {items.map((p) => (
                <Tr key={p.project_id} data-testid={`project-row-${p.name}`}>
                  <Td dataLabel="Name">
                    <Link to={`/projects/${encodeURIComponent(p.name)}/repositories`} data-testid={`project-link-${p.name}`}>
                      {p.name}
                    </Link>
                  </Td>
                  <Td dataLabel="Access">
                    {p.metadata?.public === "true" ? (
                      <Label color="green" isCompact>
                        Public
                      </Label>
                    ) : (
                      <Label color="grey" isCompact>
                        Private
                      </Label>
                    )}
                  </Td>
                  <Td dataLabel="Repositories">{p.repo_count ?? 0}</Td>
                  <Td dataLabel="Storage quota">
                    <QuotaCell name={p.name} />
                  </Td>
                  <Td dataLabel="Created">{formatTime(p.creation_time)}</Td>
                  <Td isActionCell>
                    {canDelete(p) && (
                      <Button variant="secondary" isDanger size="sm" data-testid={`delete-project-${p.name}`} onClick={() => setDeleting(p)}>
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
      <Pager total={total} {...paging} testId="projects-pagination-bottom" />
      <CreateProjectModal isOpen={creating} onClose={() => setCreating(false)} />
      <ConfirmModal
        isOpen={deleting != null}
        title="Delete project?"
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          await unwrap(
            api.DELETE("/api/v2.0/projects/{project_name_or_id}", {
              params: { path: { project_name_or_id: deleting!.name } },
              headers: { "X-Is-Resource-Name": "true" },
            }),
          );
          await qc.invalidateQueries({ queryKey: ["projects"] });
        }}
      >
        The project <b>{deleting?.name}</b> will be deleted. A project that still holds repositories cannot be deleted.
      </ConfirmModal>
    </PageSection>
  );
}
