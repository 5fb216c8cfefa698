import { useState, type FormEvent } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";
import {
  ActionGroup,
  Alert,
  Button,
  Card,
  CardBody,
  CardTitle,
  Form,
  FormGroup,
  TextInput,
  Title,
} from "@patternfly/react-core";
import { useAuth } from "../auth/AuthContext";
import { apiErrorMessage } from "../lib/errors";

export function LoginForm({ onSubmit }: { onSubmit: (username: string, password: string) => Promise<void> }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!username || !password) {
      setError("Enter your username and password.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(username, password);
    } catch (err) {
      setError(apiErrorMessage(err, "Sign-in failed"));
      setBusy(false);
    }
  }

  return (
    <Form onSubmit={submit} data-testid="login-form" noValidate>
      {error && <Alert variant="danger" isInline title={error} data-testid="login-error" role="alert" />}
      <FormGroup label="Username" fieldId="login-username" isRequired>
        <TextInput
          id="login-username"
          data-testid="login-username"
          value={username}
          onChange={(_e, v) => setUsername(v)}
          autoComplete="username"
          autoFocus
          isRequired
        />
      </FormGroup>
      <FormGroup label="Password" fieldId="login-password" isRequired>
        <TextInput
          id="login-password"
          data-testid="login-password"
          type="password"
          value={password}
          onChange={(_e, v) => setPassword(v)}
          autoComplete="current-password"
          isRequired
        />
      </FormGroup>
      <ActionGroup>
        <Button type="submit" variant="primary" isBlock isLoading={busy} isDisabled={busy} data-testid="login-submit">
          Sign in
        </Button>
      </ActionGroup>
    </Form>
  );
}

export default function LoginPage() {
  const { user, signIn, notice } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const next = new URLSearchParams(location.search).get("next");
  const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/projects";
  if (user) return <Navigate to={target} replace />;
  return (
    <div className="berth-login">
      <Card className="berth-login-card">
        <CardTitle>
          <Title headingLevel="h1" size="2xl">
            Berth
          </Title>
          <p className="berth-muted">Sign in to the container registry</p>
        </CardTitle>
        <CardBody>
          {notice && <Alert variant="info" isInline isPlain title={notice} data-testid="login-notice" style={{ marginBottom: "1rem" }} />}
          <LoginForm
            onSubmit={async (u, p) => {
              await signIn(u, p);
              navigate(target, { replace: true });
            }}
          />
        </CardBody>
      </Card>
    </div>
  );
}
