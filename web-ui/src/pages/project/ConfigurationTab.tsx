import { useEffect, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  Button,
  Card,
  CardBody,
  CardTitle,
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
  Stack,
  StackItem,
  Switch,
  TextInput,
} from "@patternfly/react-core";
import { api, unwrap } from "../../api/client";
import { useProjectSummary, type Project } from "../../api/queries";
import { useAuth } from "../../auth/AuthContext";
import { ErrorState, LoadingState } from "../../components/common";
import { apiErrorMessage } from "../../lib/errors";
import { bytesToQuota, QUOTA_UNITS, quotaToBytes } from "../../lib/format";
import { can, type Permission } from "../../lib/permissions";
import { QuotaBar } from "../ProjectsPage";

function ErrorText({ error, testId }: { error: unknown; testId: string }) {
  if (!error) return null;
  return (
    <FormHelperText>
      <HelperText>
        <HelperTextItem variant="error" data-testid={testId}>
          {apiErrorMessage(error)}
        </HelperTextItem>
      </HelperText>
    </FormHelperText>
  );
}

function useRefreshProject(name: string) {
  const qc = useQueryClient();
  return () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: ["project", name] }),
      qc.invalidateQueries({ queryKey: ["project-summary", name] }),
      qc.invalidateQueries({ queryKey: ["projects"] }),
    ]);
}

function AccessLevel({ project, canEdit }: { project: Project; canEdit: boolean }) {
  const current = project.metadata?.public === "true";
  const [isPublic, setPublic] = useState(current);
  useEffect(() => setPublic(current), [current]);
  const refresh = useRefreshProject(project.name);
  const save = useMutation({
    mutationFn: (value: boolean) =>
      unwrap(
        api.PUT("/api/v2.0/projects/{project_name_or_id}", {
          params: { path: { project_name_or_id: project.name } },
          headers: { "X-Is-Resource-Name": "true" },
          body: { metadata: { public: String(value) } },
        }),
      ),
    onSuccess: refresh,
  });

  if (!canEdit) {
    return (
      <FormGroup label="Access level" fieldId="config-public-value">
        <span id="config-public-value" data-testid="config-public-value">
          {current ? <Label color="green">Public</Label> : <Label color="grey">Private</Label>}
        </span>
      </FormGroup>
    );
  }
  return (
    <Form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(isPublic);
      }}
    >
      <FormGroup label="Access level" fieldId="config-public">
        <Switch
          id="config-public"
          data-testid="config-public"
          label="Public: anyone may pull, without signing in"
          isChecked={isPublic}
          onChange={(_e, v) => {
            setPublic(v);
            if (save.isError || save.isSuccess) save.reset();
          }}
        />
        <ErrorText error={save.error} testId="config-public-error" />
        {save.isSuccess && (
          <FormHelperText>
            <HelperText>
              <HelperTextItem variant="success" data-testid="config-saved">
                Saved.
              </HelperTextItem>
            </HelperText>
          </FormHelperText>
        )}
      </FormGroup>
      <div>
        <Button type="submit" data-testid="config-save" isLoading={save.isPending} isDisabled={save.isPending || isPublic === current}>
          Save
        </Button>
      </div>
    </Form>
  );
}

function QuotaEditor({ project, hard }: { project: Project; hard: number }) {
  const initial = hard < 0 ? { value: "10", unit: "GiB" } : bytesToQuota(hard);
  const [unlimited, setUnlimited] = useState(hard < 0);
  const [value, setValue] = useState(initial.value);
  const [unit, setUnit] = useState<string>(initial.unit);
  const refresh = useRefreshProject(project.name);
  const bytes = unlimited ? -1 : quotaToBytes(value, unit);
  const invalid = Number.isNaN(bytes);
  const save = useMutation({
    mutationFn: (storage: number) =>
      unwrap(api.PUT("/api/v2.0/quotas/{id}", { params: { path: { id: project.project_id } }, body: { hard: { storage } } })),
    onSuccess: refresh,
  });
  const touch = () => {
    if (save.isError || save.isSuccess) save.reset();
  };
  return (
    <Form
      onSubmit={(e) => {
        e.preventDefault();
        if (!invalid) save.mutate(bytes);
      }}
    >
      <FormGroup label="Storage limit" fieldId="config-quota">
        <Checkbox
          id="config-quota-unlimited"
          data-testid="config-quota-unlimited"
          label="Unlimited"
          isChecked={unlimited}
          onChange={(_e, v) => (setUnlimited(v), touch())}
        />
        {!unlimited && (
          <InputGroup style={{ marginTop: "0.5rem", maxWidth: "20rem" }}>
            <InputGroupItem isFill>
              <TextInput
                id="config-quota"
                data-testid="config-quota"
                type="number"
                min={0}
                step="any"
                value={value}
                aria-label="Storage limit"
                validated={invalid || save.isError ? "error" : "default"}
                onChange={(_e, v) => (setValue(v), touch())}
              />
            </InputGroupItem>
            <InputGroupItem>
              <FormSelect value={unit} onChange={(_e, v) => (setUnit(v), touch())} aria-label="Unit" data-testid="config-quota-unit">
                {QUOTA_UNITS.map((u) => (
                  <FormSelectOption key={u.label} value={u.label} label={u.label} />
                ))}
              </FormSelect>
            </InputGroupItem>
          </InputGroup>
        )}
        {invalid && (
          <FormHelperText>
            <HelperText>
              <HelperTextItem variant="error">A number greater than 0.</HelperTextItem>
            </HelperText>
          </FormHelperText>
        )}
        <ErrorText error={save.error} testId="config-quota-error" />
        {save.isSuccess && (
          <FormHelperText>
            <HelperText>
              <HelperTextItem variant="success" data-testid="config-quota-saved">
                Saved.
              </HelperTextItem>
            </HelperText>
          </FormHelperText>
        )}
      </FormGroup>
      <div>
        <Button type="submit" data-testid="config-quota-save" isLoading={save.isPending} isDisabled={invalid || save.isPending || bytes === hard}>
          Save limit
        </Button>
      </div>
    </Form>
  );
}

export default function ConfigurationTab({ project, permissions }: { project: Project; permissions: Permission[] | undefined }) {
  const { user } = useAuth();
  const summary = useProjectSummary(project.name);
  const canEdit = can(permissions, ".", "update");
  const quota = (summary.data as { quota?: { hard?: { storage?: number }; used?: { storage?: number } } } | undefined)?.quota;
  const hard = quota?.hard?.storage ?? -1;
  const used = quota?.used?.storage ?? 0;

  return (
    <Stack hasGutter>
      <StackItem>
        <Card data-testid="config-access">
          <CardTitle>Access</CardTitle>
          <CardBody>
            <AccessLevel project={project} canEdit={canEdit} />
          </CardBody>
        </Card>
      </StackItem>
      <StackItem>
        <Card data-testid="config-storage">
          <CardTitle>Storage quota</CardTitle>
          <CardBody>
            {summary.isLoading ? (
              <LoadingState />
            ) : summary.isError ? (
              <ErrorState error={summary.error} onRetry={() => summary.refetch()} />
            ) : (
              <Stack hasGutter>
                <StackItem style={{ maxWidth: "32rem" }} data-testid="config-quota-usage">
                  <QuotaBar used={used} hard={hard} />
                </StackItem>
                {user?.sysadmin_flag && (
                  <StackItem>
                    <QuotaEditor key={hard} project={project} hard={hard} />
                  </StackItem>
                )}
              </Stack>
            )}
          </CardBody>
        </Card>
      </StackItem>
    </Stack>
  );
}
