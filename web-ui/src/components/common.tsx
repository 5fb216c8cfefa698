import { useState, type ReactNode } from "react";
import {
  Alert,
  Bullseye,
  Button,
  EmptyState,
  EmptyStateBody,
  EmptyStateFooter,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  Pagination,
  Skeleton,
  Spinner,
  ToolbarItem,
  Tooltip,
} from "@patternfly/react-core";
import type { UseQueryResult } from "@tanstack/react-query";
import CopyIcon from "@patternfly/react-icons/dist/esm/icons/copy-icon";
import ExclamationCircleIcon from "@patternfly/react-icons/dist/esm/icons/exclamation-circle-icon";
import type { Page } from "../api/client";
import { apiErrorMessage } from "../lib/errors";
import type { Paging } from "./usePagedQuery";

export function LoadingState({ label = "Loading" }: { label?: string }) {
  return (
    <Bullseye style={{ padding: "2rem" }} data-testid="loading">
      <Spinner aria-label={label} />
    </Bullseye>
  );
}

export function TableSkeleton({ rows = 5 }: { rows?: number }) {
  return (
    <div data-testid="loading" aria-busy="true" style={{ padding: "1rem" }}>
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} height="1.5rem" style={{ marginBottom: "0.75rem" }} screenreaderText={i === 0 ? "Loading" : undefined} />
      ))}
    </div>
  );
}

export function ErrorState({ error, onRetry, title = "Could not load" }: { error: unknown; onRetry?: () => void; title?: string }) {
  return (
    <EmptyState titleText={title} headingLevel="h3" icon={ExclamationCircleIcon} status="danger" data-testid="error-state">
      <EmptyStateBody>{apiErrorMessage(error)}</EmptyStateBody>
      {onRetry && (
        <EmptyStateFooter>
          <Button variant="secondary" onClick={onRetry}>
            Try again
          </Button>
        </EmptyStateFooter>
      )}
    </EmptyState>
  );
}

export function EmptyTable({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <EmptyState titleText={title} headingLevel="h3" variant="sm" data-testid="empty-state">
      {children && <EmptyStateBody>{children}</EmptyStateBody>}
    </EmptyState>
  );
}

export function InlineError({ error, testId = "form-error" }: { error: unknown; testId?: string }) {
  if (!error) return null;
  return (
    <Alert variant="danger" isInline isPlain title={apiErrorMessage(error)} data-testid={testId} role="alert" />
  );
}

/** A confirmation dialog for destructive actions; shows the API's refusal if the action fails. */
export function ConfirmModal({
  title,
  children,
  confirmLabel = "Delete",
  isOpen,
  onClose,
  onConfirm,
  testId = "confirm-modal",
}: {
  title: string;
  children: ReactNode;
  confirmLabel?: string;
  isOpen: boolean;
  onClose: () => void;
  onConfirm: () => Promise<unknown>;
  testId?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const close = () => {
    setError(null);
    setBusy(false);
    onClose();
  };
  return (
    <Modal variant="small" isOpen={isOpen} onClose={close} aria-labelledby={`${testId}-title`} data-testid={testId}>
      <ModalHeader title={title} titleIconVariant="warning" labelId={`${testId}-title`} />
      <ModalBody>
        {children}
        <InlineError error={error} testId="confirm-error" />
      </ModalBody>
      <ModalFooter>
        <Button
          variant="danger"
          isLoading={busy}
          isDisabled={busy}
          data-testid="confirm-button"
          onClick={async () => {
            setBusy(true);
            setError(null);
            try {
              await onConfirm();
              close();
            } catch (e) {
              setError(e);
              setBusy(false);
            }
          }}
        >
          {confirmLabel}
        </Button>
        <Button variant="link" onClick={close} data-testid="confirm-cancel">
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}

export function Pager({
  total,
  page,
  perPage,
  onChange,
  testId = "pagination",
  isCompact,
}: {
  total: number;
  page: number;
  perPage: number;
  onChange: (page: number, perPage: number) => void;
  testId?: string;
  isCompact?: boolean;
}) {
  return (
    <Pagination
      itemCount={total}
      page={page}
      perPage={perPage}
      perPageOptions={[10, 20, 50, 100].map((n) => ({ title: String(n), value: n }))}
      onSetPage={(_e, p) => onChange(p, perPage)}
      onPerPageSelect={(_e, pp) => onChange(1, pp)}
      isCompact={isCompact}
      data-testid={testId}
    />
  );
}

/** The pager at the right end of a list's toolbar. */
export function ToolbarPager({ total, paging, testId, isCompact = true }: { total: number; paging: Paging; testId?: string; isCompact?: boolean }) {
  return (
    <ToolbarItem variant="pagination" align={{ default: "alignEnd" }}>
      <Pager isCompact={isCompact} total={total} {...paging} testId={testId} />
    </ToolbarItem>
  );
}

/** A paged list's body: skeleton on first load, error with retry, `empty` when the page has no rows, else the table. */
export function PagedTable<T>({
  query,
  empty,
  children,
}: {
  query: UseQueryResult<Page<T>>;
  empty: ReactNode;
  children: (items: T[]) => ReactNode;
}) {
  if (query.isLoading) return <TableSkeleton />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => query.refetch()} />;
  const items = query.data!.items;
  return <>{items.length === 0 ? empty : children(items)}</>;
}

export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      /* fall back below (plain http origins have no clipboard API) */
    }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try {
    document.execCommand("copy");
  } finally {
    document.body.removeChild(area);
  }
}

export function CopyButton({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Tooltip content={copied ? "Copied" : label}>
      <Button
        variant="plain"
        aria-label={label}
        data-testid={testId}
        icon={<CopyIcon />}
        onClick={async () => {
          await copyText(text);
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        }}
      />
    </Tooltip>
  );
}
