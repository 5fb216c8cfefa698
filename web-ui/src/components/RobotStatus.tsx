import { Label } from "@patternfly/react-core";
import type { Robot } from "../api/queries";

/** Disabled / Expired / Enabled. */
export function RobotStatus({ robot: r }: { robot: Robot }) {
  if (r.disable)
    return (
      <Label color="grey" isCompact>
        Disabled
      </Label>
    );
  if (r.expires_at > 0 && r.expires_at * 1000 < Date.now())
    return (
      <Label color="red" isCompact>
        Expired
      </Label>
    );
  return (
    <Label color="green" isCompact>
      Enabled
    </Label>
  );
}
