import { lazy, Suspense } from "react";
import { createBrowserRouter, Navigate, RouterProvider, useParams } from "react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { AuthProvider } from "./auth/AuthContext";
import AppShell from "./components/AppShell";
import LoginPage from "./pages/LoginPage";
import { ApiError } from "./lib/errors";
import { LoadingState } from "./components/common";
import { NotFound, RequireAdmin } from "./components/guards";

const ProjectsPage = lazy(() => import("./pages/ProjectsPage"));
const ProjectPage = lazy(() => import("./pages/project/ProjectPage"));
const RepositoryPage = lazy(() => import("./pages/project/RepositoryPage"));
const UsersPage = lazy(() => import("./pages/admin/UsersPage"));
const AuditLogPage = lazy(() => import("./pages/admin/AuditLogPage"));
const SystemInfoPage = lazy(() => import("./pages/admin/SystemInfoPage"));
const RobotsPage = lazy(() => import("./pages/admin/RobotsPage"));

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // One retry, and none for answers that will not change (4xx).
        retry: (count, error) => count < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
        refetchOnWindowFocus: false,
        staleTime: 5_000,
      },
      mutations: { retry: false },
    },
  });
}

const router = createBrowserRouter([
  { path: "/login", element: <LoginPage /> },
  {
    path: "/",
    element: <AppShell />,
    children: [
      { index: true, element: <Navigate to="/projects" replace /> },
      { path: "projects", element: <ProjectsPage /> },
      { path: "projects/:name", element: <Navigate to="repositories" replace /> },
      { path: "projects/:name/repositories/*", element: <RepoOrProject /> },
      { path: "projects/:name/:tab", element: <ProjectPage /> },
      {
        path: "admin",
        element: <RequireAdmin />,
        children: [
          { index: true, element: <Navigate to="users" replace /> },
          { path: "users", element: <UsersPage /> },
          { path: "robots", element: <RobotsPage /> },
          { path: "audit-logs", element: <AuditLogPage /> },
          { path: "system", element: <SystemInfoPage /> },
        ],
      },
      { path: "*", element: <NotFound /> },
    ],
  },
]);

/** /projects/:name/repositories is the tab; anything below it is a repository path (which may hold slashes). */
function RepoOrProject() {
  const rest = (useParams()["*"] ?? "").replace(/\/+$/, "");
  return rest ? <RepositoryPage /> : <ProjectPage />;
}

const queryClient = makeQueryClient();

export default function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <Suspense fallback={<LoadingState />}>
          <RouterProvider router={router} />
        </Suspense>
      </AuthProvider>
    </QueryClientProvider>
  );
}
