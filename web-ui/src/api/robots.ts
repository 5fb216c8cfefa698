import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import type { Robot } from "./queries";

/** The full body of `PUT /robots/{id}` for a robot, with `disable` flipped. */
export function robotToggleBody(r: Robot) {
  return {
    name: r.name,
    description: r.description,
    level: r.level,
    duration: r.duration,
    permissions: r.permissions,
    disable: !r.disable,
  };
}

/** Disables an enabled robot or enables a disabled one, then refreshes every robot list. */
export function useToggleRobot({ onError, onMutate }: { onError?: (e: unknown) => void; onMutate?: () => void } = {}) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (r: Robot) =>
      unwrap(api.PUT("/api/v2.0/robots/{robot_id}", { params: { path: { robot_id: r.id } }, body: robotToggleBody(r) })),
    onMutate,
    onError,
    onSuccess: () => qc.invalidateQueries({ queryKey: ["robots"] }),
  });
}

/** Deletes a robot and refreshes every robot list (for a ConfirmModal's onConfirm). */
export function useDeleteRobot() {
  const qc = useQueryClient();
  return async (r: Robot) => {
    await unwrap(api.DELETE("/api/v2.0/robots/{robot_id}", { params: { path: { robot_id: r.id } } }));
    await qc.invalidateQueries({ queryKey: ["robots"] });
  };
}
