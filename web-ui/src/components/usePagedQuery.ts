import { useState } from "react";
import { keepPreviousData, useQuery, type QueryKey } from "@tanstack/react-query";
import type { Page } from "../api/client";

/** The page/perPage pair a `Pager` shows and changes; spread it into one. */
export interface Paging {
  page: number;
  perPage: number;
  onChange: (page: number, perPage: number) => void;
}

/**
 * A server-paged list: page/perPage state and the query keyed on them.
 *
 * The key is `[...key, { ...vars, page, perPage }]`, so invalidating `key` alone refreshes every page and every
 * filter. The previous page stays on screen while the next one loads, so paging does not flash a skeleton.
 */
export function usePagedQuery<T>({
  key,
  vars,
  initialPerPage = 10,
  fetch,
}: {
  key: QueryKey;
  /** What else the fetch depends on (search term, sort); part of the key. */
  vars?: Record<string, unknown>;
  initialPerPage?: number;
  fetch: (paging: { page: number; page_size: number }) => Promise<Page<T>>;
}) {
  const [page, setPage] = useState(1);
  const [perPage, setPerPage] = useState(initialPerPage);
  const query = useQuery({
    queryKey: [...key, { ...vars, page, perPage }],
    placeholderData: keepPreviousData,
    queryFn: () => fetch({ page, page_size: perPage }),
  });
  const paging: Paging = {
    page,
    perPage,
    onChange: (p, pp) => {
      setPage(p);
      setPerPage(pp);
    },
  };
  return { query, paging, setPage, total: query.data?.total ?? 0 };
}
