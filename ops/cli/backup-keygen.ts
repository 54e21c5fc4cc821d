/**
 * `npm run backup:keygen`: a new key pair for encrypted backups.
 *
 * stdout carries exactly the two .env lines (so `npm run --silent backup:keygen > keys.txt`
 * captures them); the advice goes to stderr.
 */
import { generateBackupKeyPair } from "../../shop/backup/keys.js";

const pair = await generateBackupKeyPair();
process.stdout.write(`BACKUP_PUBLIC_KEY=${pair.publicKey}\nBACKUP_SECRET_KEY=${pair.secretKey}\n`);
process.stderr.write(
  [
    "",
    "BACKUP_PUBLIC_KEY goes in the server's .env: the service encrypts every backup to it.",
    "BACKUP_SECRET_KEY stays OFF the server: put it in your password manager (and/or print it and",
    "keep the paper safe). It is needed only to restore (npm run restore); a server that never holds",
    "it cannot read its old backups. Lose it and the backups cannot be decrypted by anyone.",
    "Check it now: after the first backup, run npm run restore -- <parts folder> --verify-only",
    "with BACKUP_SECRET_KEY set (or --key-file) on the machine where the key lives. See ops/RUNBOOK.md.",
    "",
  ].join("\n"),
);
