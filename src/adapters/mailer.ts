import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ses } from './aws.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export type SendMail = (mail: Mail) => Promise<string>;

const headerSafe = (mail: Mail) => {
  if (/[\r\n]/.test(mail.to + mail.subject)) throw new Error('header injection refused');
};

/** Locally: an .eml file per message in the outbox folder. Returns the message id. */
export const outboxMailer =
  (outbox: string): SendMail =>
  async (mail) => {
    headerSafe(mail);
    const id = `${Date.now()}-${randomUUID()}`;
    const eml = [
      `Message-ID: <${id}@lethe.local>`,
      `From: ${process.env.MAIL_FROM ?? 'no-reply@lethe.local'}`,
      `To: ${mail.to}`,
      `Subject: ${mail.subject}`,
      `Date: ${new Date().toUTCString()}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      mail.text,
      '',
    ].join('\r\n');
    fs.mkdirSync(outbox, { recursive: true });
    fs.writeFileSync(path.join(outbox, `${id}.eml`), eml);
    return id;
  };

/** On AWS: SES v2 in eu-west-1. Returns the message id. */
export const sesMailer: SendMail = async (mail) => {
  headerSafe(mail);
  const { sdk, client } = await ses();
  const out = await client.send(
    new sdk.SendEmailCommand({
      FromEmailAddress: process.env.MAIL_FROM,
      Destination: { ToAddresses: [mail.to] },
      Content: {
        Simple: {
          Subject: { Data: mail.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: mail.text, Charset: 'UTF-8' } },
        },
      },
    }),
  );
  return out.MessageId!;
};
