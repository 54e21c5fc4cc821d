/**
 * What the email tests share: a private database, a local SMTP server, the real nodemailer
 * transport pointed at it, and the bot's translator (the same locale files as the chat).
 */
import { afterAll, beforeAll } from "vitest";
import { createI18n, LocaleCache } from "../../bot/i18n.js";
import { createMailer, type Mailer } from "../../shop/email/transport.js";
import type { Translate } from "../../shop/email/verification.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { startSmtpSink, type SmtpSink } from "./smtp-sink.js";

export interface EmailTestbed {
  db: TestDatabase;
  sink: SmtpSink;
  mailer: Mailer;
  t: Translate;
}

/** Registers the file's beforeAll/afterAll; the fields are set once beforeAll has run. */
export function emailTestbed(): EmailTestbed {
  const i18n = createI18n(new LocaleCache());
  const bed = { t: (locale, key, params) => i18n.t(locale, key, params) } as EmailTestbed;
  beforeAll(async () => {
    bed.db = await createTestDatabase();
    bed.sink = await startSmtpSink();
    bed.mailer = createMailer({ smtpUrl: bed.sink.url, from: '"Toko VPS" <toko@toko.test>' });
  });
  afterAll(async () => {
    await bed.sink?.stop();
    await bed.db?.drop();
  });
  return bed;
}
