import type { ComponentChild, ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Loading } from "../components";
import type { PageRoute } from "../router";
import { CatalogPage } from "./catalog";
import { CouponsPage } from "./coupons";
import { CustomerPage, CustomersPage } from "./customers";
import { OrderPage } from "./order";
import { OrdersPage } from "./orders";
import { PendingPage } from "./pending";
import "./staff.css";
import "./strings";

/** The stats page carries ECharts: loaded when opened (its own chunk where the build splits), not with the app. */
function LazyStats() {
  const [Page, setPage] = useState<ComponentType | null>(null);
  useEffect(() => {
    void import("./stats").then((m) => setPage(() => m.StatsPage));
  }, []);
  return Page ? <Page /> : <Loading />;
}

/** Every staff page sits in one wrapper, so the staff styles (staff.css) stay off the customer pages. */
const page = (child: ComponentChild) => <div class="staff-ui">{child}</div>;

/**
 * The staff pages, each shown to members holding one of its permissions — the ones the bot's
 * command for the same screen checks (the server checks again on every call).
 */
export const staffRoutes: PageRoute[] = [
  { path: "staff/pending", title: "staff.pending", permissions: ["payments.review", "provisioning.retry"], menu: true, render: () => page(<PendingPage />) },
  { path: "staff/orders", title: "staff.orders", permissions: ["orders.view"], menu: true, render: () => page(<OrdersPage />) },
  { path: "staff/orders/:ref", title: "staff.order", permissions: ["orders.view"], render: (p) => page(<OrderPage reference={p.ref!} />) },
  { path: "staff/catalog", title: "staff.catalog", permissions: ["catalog.manage"], menu: true, render: () => page(<CatalogPage />) },
  { path: "staff/coupons", title: "staff.coupons", permissions: ["coupons.manage"], menu: true, render: () => page(<CouponsPage />) },
  { path: "staff/customers", title: "staff.customers", permissions: ["customers.view"], menu: true, render: () => page(<CustomersPage />) },
  { path: "staff/customers/:id", title: "staff.customer", permissions: ["customers.view"], render: (p) => page(<CustomerPage id={p.id!} />) },
  { path: "staff/stats", title: "staff.stats", permissions: ["stats.view"], menu: true, render: () => page(<LazyStats />) },
];
