/** Whether db/generated is missing or older than db/schema.prisma or package-lock.json. */
export function clientIsStale(): boolean;
