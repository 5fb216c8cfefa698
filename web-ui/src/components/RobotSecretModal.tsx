import { Alert, Button, Modal, ModalBody, ModalFooter, ModalHeader, Title } from "@patternfly/react-core";
import { CopyButton } from "./common";
import { dockerLoginCommand, k8sSecretName, kubernetesSecretManifest } from "../lib/robot";

function CopyBlock({ label, text, testId }: { label: string; text: string; testId: string }) {
  return (
    <>
      <Title headingLevel="h4" size="md">
        {label}
      </Title>
      <div className="berth-copy-row">
        <pre className="berth-code" data-testid={testId}>
          {text}
        </pre>
        <CopyButton text={text} label={`Copy ${label.toLowerCase()}`} testId={`copy-${testId}`} />
      </div>
    </>
  );
}

/** Shows a robot's secret once, with ready-made ways to use it. */
export default function RobotSecretModal({
  robot,
  onClose,
}: {
  robot: { name: string; secret: string } | null;
  onClose: () => void;
}) {
  const host = window.location.host;
  return (
    <Modal variant="medium" isOpen={robot != null} onClose={onClose} aria-labelledby="robot-secret-title" data-testid="robot-secret-modal">
      <ModalHeader title={`Secret of ${robot?.name ?? ""}`} labelId="robot-secret-title" />
      <ModalBody>
        {robot && (
          <>
            <Alert variant="warning" isInline title="Copy the secret now: it is not shown again." style={{ marginBottom: "1rem" }} />
            <CopyBlock label="Name" text={robot.name} testId="robot-name-value" />
            <CopyBlock label="Secret" text={robot.secret} testId="robot-secret" />
            <CopyBlock label="Docker login" text={dockerLoginCommand(host, robot.name)} testId="robot-docker-login" />
            <CopyBlock
              label="Kubernetes pull secret"
              text={kubernetesSecretManifest(host, robot.name, robot.secret, k8sSecretName(robot.name))}
              testId="robot-k8s-secret"
            />
          </>
        )}
      </ModalBody>
      <ModalFooter>
        <Button onClick={onClose} data-testid="robot-secret-close">
          Done
        </Button>
      </ModalFooter>
    </Modal>
  );
}
