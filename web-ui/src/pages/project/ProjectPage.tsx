import { useNavigate, useParams, Link } from "react-router";
import {
  Breadcrumb,
  BreadcrumbItem,
  Flex,
  FlexItem,
  Label,
  PageSection,
  Tab,
  TabTitleText,
  Tabs,
  Title,
} from "@patternfly/react-core";
import { useProject, useProjectPermissions, useProjectSummary } from "../../api/queries";
import { ErrorState, LoadingState } from "../../components/common";
import { can } from "../../lib/permissions";
import { QuotaBar } from "../ProjectsPage";
import RepositoriesTab from "./RepositoriesTab";
import MembersTab from "./MembersTab";
import RobotsTab from "./RobotsTab";
import LogsTab from "./LogsTab";
import ConfigurationTab from "./ConfigurationTab";

const TABS = ["repositories", "members", "robots", "logs", "configuration"] as const;
type TabKey = (typeof TABS)[number];

export default function ProjectPage() {
  const params = useParams();
  const name = params.name!;
  const tab: TabKey = (TABS as readonly string[]).includes(params.tab ?? "") ? (params.tab as TabKey) : "repositories";
  const navigate = useNavigate();
  const project = useProject(name);
  const summary = useProjectSummary(name);
  const perms = useProjectPermissions(project.data?.project_id);

  if (project.isLoading) return <LoadingState />;
  if (project.isError) {
    return (
      <PageSection>
        <ErrorState error={project.error} title={`Cannot open project ${name}`} onRetry={() => project.refetch()} />
      </PageSection>
    );
  }
  const p = project.data!;
  const permissions = perms.data;
  const showMembers = can(permissions, "member", "list") || can(permissions, "member", "read");
  const showRobots = can(permissions, "robot", "list") || can(permissions, "robot", "read");
  const showLogs = can(permissions, "log", "list");
  const quota = (summary.data as { quota?: { hard?: { storage?: number }; used?: { storage?: number } } } | undefined)?.quota;

  return (
    <>
      <PageSection>
        <Breadcrumb style={{ marginBottom: "0.5rem" }}>
          <BreadcrumbItem>
            <Link to="/projects">Projects</Link>
          </BreadcrumbItem>
          <BreadcrumbItem isActive>{p.name}</BreadcrumbItem>
        </Breadcrumb>
        <Flex alignItems={{ default: "alignItemsCenter" }} gap={{ default: "gapMd" }}>
          <FlexItem>
            <Title headingLevel="h1" data-testid="project-title">
              {p.name}
            </Title>
          </FlexItem>
          <FlexItem>
            {p.metadata?.public === "true" ? <Label color="green">Public</Label> : <Label color="grey">Private</Label>}
          </FlexItem>
          {quota && (
            <FlexItem style={{ minWidth: "16rem" }}>
              <QuotaBar used={quota.used?.storage ?? 0} hard={quota.hard?.storage ?? -1} />
            </FlexItem>
          )}
        </Flex>
      </PageSection>
      <PageSection type="tabs">
        <Tabs
          activeKey={tab}
          onSelect={(_e, key) => navigate(`/projects/${encodeURIComponent(name)}/${key}`)}
          aria-label="Project sections"
          mountOnEnter
          unmountOnExit
        >
          <Tab eventKey="repositories" title={<TabTitleText>Repositories</TabTitleText>} data-testid="tab-repositories" />
          {showMembers && <Tab eventKey="members" title={<TabTitleText>Members</TabTitleText>} data-testid="tab-members" />}
          {showRobots && <Tab eventKey="robots" title={<TabTitleText>Robot accounts</TabTitleText>} data-testid="tab-robots" />}
          {showLogs && <Tab eventKey="logs" title={<TabTitleText>Logs</TabTitleText>} data-testid="tab-logs" />}
          <Tab eventKey="configuration" title={<TabTitleText>Configuration</TabTitleText>} data-testid="tab-configuration" />
        </Tabs>
      </PageSection>
      <PageSection>
        {tab === "repositories" && <RepositoriesTab project={p} permissions={permissions} />}
        {tab === "members" && (perms.isLoading ? <LoadingState /> : <MembersTab project={p} permissions={permissions} />)}
        {tab === "robots" && (perms.isLoading ? <LoadingState /> : <RobotsTab project={p} permissions={permissions} />)}
        {tab === "logs" && <LogsTab project={p} />}
        {tab === "configuration" && (perms.isLoading ? <LoadingState /> : <ConfigurationTab project={p} permissions={permissions} />)}
      </PageSection>
    </>
  );
}
