/**
 * One interface for every cloud we sell. Adapters translate it to each
 * provider's API; the provisioning job, the VPS buttons and the catalog's
 * availability check only ever speak this.
 */

export type ProviderCode = "DIGITALOCEAN" | "VULTR" | "LINODE";

/** Our own status vocabulary, mapped from each provider's. */
export type ServerStatus = "provisioning" | "running" | "off" | "rebooting" | "deleting" | "unknown";

export interface CloudServer {
  /** The provider's id (DO/Linode: numeric as string; Vultr: UUID). */
  id: string;
  label: string;
  status: ServerStatus;
  /** Public IPv4 once assigned, else null (DO: networks.v4 public; Vultr: main_ip ≠ 0.0.0.0; Linode: first public ipv4). */
  ipv4: string | null;
  ipv6: string | null;
  region: string;
  sizeSlug: string;
  imageRef: string | null;
  tags: string[];
  createdAt: string | null;
}

export interface CreateServerInput {
  /** Hostname-safe label, e.g. "vps-ord-20261121-7kq2m". */
  label: string;
  region: string;
  sizeSlug: string;
  /** Provider image ref: DO slug, Vultr os_id, Linode image id. */
  imageRef: string;
  /** Root password to set at creation (cloud-init user_data where the provider has no field). */
  rootPassword: string;
  /** Idempotency tag: our order reference, e.g. "order-ORD-20261121-7KQ2M" (provider-safe form). */
  tag: string;
}

export type ServerAction = "reboot" | "power_off" | "power_on" | "shutdown" | "reset_password" | "reinstall";

export interface ProviderCapabilities {
  /** Actions a customer may trigger for a server on this provider. */
  actions: ServerAction[];
  /** Whether reset_password needs the server off first (Linode). */
  passwordResetNeedsOff: boolean;
  /** Whether the provider gives a console URL (Vultr `kvm`). */
  consoleUrl: boolean;
}

/** Our error codes for provider failures, each with a human message for customers and sellers. */
export type CloudErrorCode =
  | "timeout"
  | "rate_limited"
  | "unavailable" // 5xx / network
  | "not_found"
  | "unauthorized"
  | "invalid_request" // 4xx validation
  | "sold_out" // region/size cannot be created now
  | "conflict" // e.g. action already running
  | "unknown";

export class CloudError extends Error {
  constructor(
    readonly provider: ProviderCode,
    readonly code: CloudErrorCode,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "CloudError";
  }
}

export interface CloudProvider {
  readonly code: ProviderCode;
  readonly capabilities: ProviderCapabilities;
  createServer(input: CreateServerInput): Promise<CloudServer>;
  getServer(id: string): Promise<CloudServer | null>;
  /** Servers carrying a tag (how a crashed provisioning job finds what it already created). */
  findByTag(tag: string): Promise<CloudServer[]>;
  /**
   * Servers whose label is the one createServer gives `label` (the last look for a create whose
   * answer was lost, before creating again).
   */
  findByLabel(label: string): Promise<CloudServer[]>;
  /**
   * Every server carrying a tag that starts with `prefix`, all pages (the orphan sweep's view of
   * what is ours). The providers filter by exact tag only, so adapters list and filter themselves.
   */
  listTagged(prefix: string): Promise<CloudServer[]>;
  deleteServer(id: string): Promise<void>;
  /** Runs an action; for reset_password returns the new password when the provider sets one we chose. */
  action(id: string, action: ServerAction, opts?: { rootPassword?: string; imageRef?: string }): Promise<void>;
  consoleUrl(id: string): Promise<string | null>;
  /** "Can this size be created in this region now?" */
  isAvailable(region: string, sizeSlug: string): Promise<boolean>;
  listRegions(): Promise<Array<{ slug: string; name: string; available: boolean }>>;
  listSizes(): Promise<Array<{ slug: string; vcpus: number; memoryMb: number; diskGb: number; regions: string[] }>>;
  listImages(): Promise<Array<{ ref: string; name: string }>>;
}
