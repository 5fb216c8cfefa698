import { Outlet, Link } from "react-router";
import { EmptyState, EmptyStateBody, PageSection } from "@patternfly/react-core";
import { useAuth } from "../auth/AuthContext";

export function RequireAdmin() {
  const { user } = useAuth();
  if (!user?.sysadmin_flag) {
    return (
      <PageSection>
        <EmptyState titleText="Administrators only" headingLevel="h1" data-testid="forbidden">
          <EmptyStateBody>
            This page is for system administrators. <Link to="/projects">Back to projects</Link>
          </EmptyStateBody>
        </EmptyState>
      </PageSection>
    );
  }
  return <Outlet />;
}

export function NotFound() {
  return (
    <PageSection>
      <EmptyState titleText="Page not found" headingLevel="h1" data-testid="not-found">
        <EmptyStateBody>
          <Link to="/projects">Back to projects</Link>
        </EmptyStateBody>
      </EmptyState>
    </PageSection>
  );
}
