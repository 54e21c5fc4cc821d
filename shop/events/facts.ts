/**
 * The five customer events as the domain records them: each builder names the event's subject
 * (what makes it happen once) and its `data`, the webhook payload resellers read (documented in
 * the API reference). Ids and what a reseller's tool matches on (reference, client label); never
 * a password or anything secret.
 */
import type { Instance, InstanceAction, Order } from "../../db/client.js";
import type { CustomerEventInput } from "./record.js";

type OrderFacts = Pick<Order, "id" | "userId" | "reference" | "kind" | "clientLabel" | "instanceId">;
type InstanceFacts = Pick<Instance, "id" | "userId" | "orderId" | "label" | "region" | "planCode" | "imageCode" | "ipv4" | "ipv6" | "expiresAt">;

const orderKind = (kind: Order["kind"]) => kind.toLowerCase();

/** order.paid — once per order, when its payment's follow-up runs (a VPS order or a renewal). */
export function orderPaid(order: OrderFacts, payment: { id: number; totalIdr: number; gateway: string; paidAt: Date | null }): CustomerEventInput {
  return {
    userId: order.userId,
    type: "ORDER_PAID",
    subjectKey: `order:${order.id}`,
    data: {
      order_id: order.id,
      reference: order.reference,
      kind: orderKind(order.kind),
      client_label: order.clientLabel,
      instance_id: order.instanceId,
      payment_id: payment.id,
      amount_idr: payment.totalIdr,
      gateway: payment.gateway.toLowerCase(),
      paid_at: payment.paidAt?.toISOString() ?? null,
    },
  };
}

function instanceData(i: InstanceFacts) {
  return { instance_id: i.id, order_id: i.orderId, label: i.label, region: i.region, plan: i.planCode, image: i.imageCode, ipv4: i.ipv4, ipv6: i.ipv6, expires_at: i.expiresAt.toISOString() };
}

/** vps.active — once per VPS, in the transaction that makes it ACTIVE. The login details go by chat only. */
export function vpsActive(instance: InstanceFacts, order: Pick<Order, "reference" | "clientLabel">): CustomerEventInput {
  return { userId: instance.userId, type: "VPS_ACTIVE", subjectKey: `instance:${instance.id}`, data: { ...instanceData(instance), reference: order.reference, client_label: order.clientLabel } };
}

/** vps.provision_failed — once per failure of an order (`episode`: its status-history row; a seller's retry that fails again is a new one). */
export function provisionFailed(order: OrderFacts, episode: number, code: string): CustomerEventInput {
  return {
    userId: order.userId,
    type: "VPS_PROVISION_FAILED",
    subjectKey: `order:${order.id}:${episode}`,
    data: { order_id: order.id, reference: order.reference, client_label: order.clientLabel, reason: code },
  };
}

/** vps.expiring — once per reminder threshold of an expiry date (e.g. 7, 3 and 1 days before). */
export function vpsExpiring(instance: InstanceFacts & Pick<Instance, "autoRenew">, daysLeft: number): CustomerEventInput {
  return {
    userId: instance.userId,
    type: "VPS_EXPIRING",
    subjectKey: `instance:${instance.id}:${instance.expiresAt.toISOString().slice(0, 10)}:${daysLeft}d`,
    data: { ...instanceData(instance), days_left: daysLeft, auto_renew: instance.autoRenew },
  };
}

/** vps.action_done — once per action, in the transaction that marks it DONE. */
export function vpsActionDone(action: Pick<InstanceAction, "id" | "type">, instance: Pick<Instance, "id" | "userId" | "label">): CustomerEventInput {
  return {
    userId: instance.userId,
    type: "VPS_ACTION_DONE",
    subjectKey: `action:${action.id}`,
    data: { action_id: action.id, instance_id: instance.id, label: instance.label, action: action.type.toLowerCase() },
  };
}
