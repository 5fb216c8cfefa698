import { Suspense } from "react";
import { NavLink, Navigate, Outlet, useLocation, useNavigate } from "react-router";
import {
  Button,
  Masthead,
  MastheadBrand,
  MastheadContent,
  MastheadLogo,
  MastheadMain,
  MastheadToggle,
  Nav,
  NavExpandable,
  NavItem,
  NavList,
  Page,
  PageSidebar,
  PageSidebarBody,
  PageToggleButton,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
} from "@patternfly/react-core";
import BarsIcon from "@patternfly/react-icons/dist/esm/icons/bars-icon";
import UserIcon from "@patternfly/react-icons/dist/esm/icons/user-icon";
import { useAuth } from "../auth/AuthContext";
import { LoadingState, ErrorState } from "./common";

function NavLinkItem({ to, children, testId }: { to: string; children: string; testId: string }) {
  const location = useLocation();
  const active = location.pathname === to || location.pathname.startsWith(to + "/");
  return (
    <NavItem isActive={active}>
      <NavLink to={to} data-testid={testId}>
        {children}
      </NavLink>
    </NavItem>
  );
}

export default function AppShell() {
  const { user, isLoading, error, signOut } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();

  if (isLoading) return <LoadingState label="Loading the console" />;
  if (error) return <ErrorState error={error} title="Cannot reach Berth" onRetry={() => window.location.reload()} />;
  if (!user) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }

  const masthead = (
    <Masthead>
      <MastheadMain>
        <MastheadToggle>
          <PageToggleButton variant="plain" aria-label="Navigation">
            <BarsIcon />
          </PageToggleButton>
        </MastheadToggle>
        <MastheadBrand>
          <MastheadLogo component="a" href="/projects" onClick={(e: React.MouseEvent) => { e.preventDefault(); navigate("/projects"); }}>
            <span className="berth-brand">Berth</span>
          </MastheadLogo>
        </MastheadBrand>
      </MastheadMain>
      <MastheadContent>
        <Toolbar isFullHeight isStatic>
          <ToolbarContent>
            <ToolbarGroup align={{ default: "alignEnd" }} gap={{ default: "gapMd" }}>
              <ToolbarItem>
                <span data-testid="current-user" className="berth-user">
                  <UserIcon /> {user.username}
                  {user.sysadmin_flag ? " (admin)" : ""}
                </span>
              </ToolbarItem>
              <ToolbarItem>
                <Button
                  variant="secondary"
                  size="sm"
                  data-testid="sign-out"
                  onClick={async () => {
                    await signOut();
                    navigate("/login", { replace: true });
                  }}
                >
                  Sign out
                </Button>
              </ToolbarItem>
            </ToolbarGroup>
          </ToolbarContent>
        </Toolbar>
      </MastheadContent>
    </Masthead>
  );

  const sidebar = (
    <PageSidebar>
      <PageSidebarBody>
        <Nav aria-label="Main">
          <NavList>
            <NavLinkItem to="/projects" testId="nav-projects">
              Projects
            </NavLinkItem>
            {user.sysadmin_flag && (
              <NavExpandable title="Administration" isExpanded data-testid="nav-admin" isActive={location.pathname.startsWith("/admin")}>
                <NavLinkItem to="/admin/users" testId="nav-admin-users">
                  Users
                </NavLinkItem>
                <NavLinkItem to="/admin/robots" testId="nav-admin-robots">
                  Robot accounts
                </NavLinkItem>
                <NavLinkItem to="/admin/audit-logs" testId="nav-admin-audit">
                  Audit log
                </NavLinkItem>
                <NavLinkItem to="/admin/system" testId="nav-admin-system">
                  System info
                </NavLinkItem>
              </NavExpandable>
            )}
          </NavList>
        </Nav>
      </PageSidebarBody>
    </PageSidebar>
  );

  return (
    <Page masthead={masthead} sidebar={sidebar} isManagedSidebar>
      <Suspense fallback={<LoadingState />}>
        <Outlet />
      </Suspense>
    </Page>
  );
}
