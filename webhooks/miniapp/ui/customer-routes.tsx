import { ApiKeysPage } from "./pages/api-keys";
import { OrdersPage } from "./pages/orders";
import { SettingsPage } from "./pages/settings";
import { VpsDetailPage } from "./pages/vps-detail";
import { VpsListPage } from "./pages/vps-list";
import { WalletPage } from "./pages/wallet";
import type { PageRoute } from "./router";

/** The bottom tabs, in order. */
export const TABS = [
  { path: "vps", title: "nav.vps", icon: "▣" },
  { path: "orders", title: "nav.orders", icon: "≡" },
  { path: "wallet", title: "nav.wallet", icon: "◎" },
  { path: "settings", title: "nav.settings", icon: "⚙" },
];

export const customerRoutes: PageRoute[] = [
  { path: "vps", title: "vps.title", render: () => <VpsListPage /> },
  { path: "vps/:id", title: "vps.title", render: (p) => <VpsDetailPage id={p.id!} /> },
  { path: "orders", title: "orders.title", render: () => <OrdersPage /> },
  { path: "wallet", title: "wallet.title", render: () => <WalletPage /> },
  { path: "settings", title: "settings.title", render: () => <SettingsPage /> },
  { path: "settings/api-keys", title: "apikeys.title", render: () => <ApiKeysPage /> },
];
