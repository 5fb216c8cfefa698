import { useQuery } from "@tanstack/react-query";
import {
  Card,
  CardBody,
  CardTitle,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Gallery,
  PageSection,
  Title,
} from "@patternfly/react-core";
import { api, unwrap } from "../../api/client";
import { ErrorState, LoadingState } from "../../components/common";
import { humanSize } from "../../lib/format";
import { QuotaBar } from "../ProjectsPage";

function Item({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{term}</DescriptionListTerm>
      <DescriptionListDescription>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

export default function SystemInfoPage() {
  const info = useQuery({ queryKey: ["systeminfo"], queryFn: () => unwrap(api.GET("/api/v2.0/systeminfo")) });
  const volumes = useQuery({ queryKey: ["systeminfo-volumes"], queryFn: () => unwrap(api.GET("/api/v2.0/systeminfo/volumes")) });
  const i = info.data as Record<string, unknown> | undefined;
  const storage = ((volumes.data as { storage?: { total: number; free: number }[] } | undefined)?.storage ?? []) as {
    total: number;
    free: number;
  }[];
  return (
    <PageSection>
      <Title headingLevel="h1" style={{ marginBottom: "1rem" }}>
        System info
      </Title>
      <Gallery hasGutter minWidths={{ default: "22rem" }}>
        <Card data-testid="systeminfo">
          <CardTitle>General</CardTitle>
          <CardBody>
            {info.isLoading ? (
              <LoadingState />
            ) : info.isError ? (
              <ErrorState error={info.error} onRetry={() => info.refetch()} />
            ) : (
              <DescriptionList isCompact>
                <Item term="Version">{String(i?.harbor_version ?? "")}</Item>
                <Item term="Registry address">{String(i?.registry_url ?? "")}</Item>
                <Item term="External URL">{String(i?.external_url ?? "")}</Item>
                <Item term="Authentication">{String(i?.auth_mode ?? "")}</Item>
                <Item term="Project creation">{String(i?.project_creation_restriction ?? "")}</Item>
                <Item term="Self-registration">{i?.self_registration ? "on" : "off"}</Item>
                <Item term="Storage">{String(i?.registry_storage_provider_name ?? "")}</Item>
                <Item term="Read-only">{i?.read_only ? "yes" : "no"}</Item>
                <Item term="Server time">{String(i?.current_time ?? "")}</Item>
              </DescriptionList>
            )}
          </CardBody>
        </Card>
        <Card data-testid="systeminfo-volumes">
          <CardTitle>Storage volumes</CardTitle>
          <CardBody>
            {volumes.isLoading ? (
              <LoadingState />
            ) : volumes.isError ? (
              <ErrorState error={volumes.error} onRetry={() => volumes.refetch()} />
            ) : storage.length === 0 ? (
              "No filesystem volume to report."
            ) : (
              storage.map((v, n) => (
                <div key={n} style={{ marginBottom: "1rem" }}>
                  <QuotaBar used={v.total - v.free} hard={v.total} />
                  <div className="berth-muted">
                    {humanSize(v.free)} free of {humanSize(v.total)}
                  </div>
                </div>
              ))
            )}
          </CardBody>
        </Card>
      </Gallery>
    </PageSection>
  );
}
