import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Unavailable } from '../errors';
import { isNotFound } from '../data/fs-util';
import { newKey, systemKeyring, type Keyring } from './keyring';

/** The secrets store cannot be read or written as it is (corrupted, sealed with another key, its key gone). */
export class SecretsStoreError extends Unavailable {
  override readonly name = 'SecretsStoreError';
}

const FORMAT = 'mlw-secrets/1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

interface StoreFile {
  format: typeof FORMAT;
  /** Where the key is: the OS keyring, or the key file beside the store. */
  key: 'keyring' | 'file';
  /** An HMAC of a fixed text under the key: tells a wrong key from a changed value. */
  keyCheck: string;
  secrets: Record<string, Sealed>;
}

export interface SecretsStoreOptions {
  /** The OS keyring to keep a new store's key in; by default the system's when it has one, `null` for none. */
  keyring?: Keyring | null;
}

/**
 * Secrets by reference, each sealed with AES-256-GCM (a random 96-bit IV per value, the reference as associated data,
 * so a value moved to another reference fails its check too). The store is a private (0600) JSON file, replaced
 * atomically on every change; its key is in the OS keyring where there is one, else in a private file beside it.
 * Every problem with the files is a {@link SecretsStoreError} naming the file.
 */
export class SecretsStore {
  readonly keyFile: string;
  private key: Buffer | undefined;
  private chosenKeyring: Keyring | null | undefined;

  constructor(readonly file: string, options: SecretsStoreOptions = {}) {
    this.keyFile = file.replace(/(\.json)?$/, '.key');
    this.chosenKeyring = options.keyring;
  }

  /** The OS keyring, looked for on first use (it may take a call to the session bus). */
  private get keyring(): Keyring | undefined {
    if (this.chosenKeyring === undefined) this.chosenKeyring = systemKeyring() ?? null;
    return this.chosenKeyring ?? undefined;
  }

  has(reference: string): boolean {
    return reference in this.read().secrets;
  }

  get(reference: string): string | undefined {
    const stored = this.read();
    const sealed = stored.secrets[reference];
    if (!sealed) return undefined;
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.keyOf(stored), Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(reference));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
    } catch (error) {
      if (error instanceof SecretsStoreError) throw error;
      throw new SecretsStoreError(`${this.file}: ${reference} fails its integrity check (the file was changed outside mlw); give that secret again`);
    }
  }

  /** The references held, those starting with `prefix` when it is given. */
  references(prefix = ''): string[] {
    return Object.keys(this.read().secrets).filter((reference) => reference.startsWith(prefix));
  }

  put(reference: string, value: string): void {
    const stored = this.read();
    const key = this.keyOf(stored);
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(reference));
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    stored.secrets[reference] = { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    this.write(stored);
  }

  delete(reference: string): boolean {
    const stored = this.read();
    if (!(reference in stored.secrets)) return false;
    delete stored.secrets[reference];
    this.write(stored);
    return true;
  }

  /** The store's content; a new (empty) one, keyed where new keys go, when the file does not exist yet. */
  private read(): StoreFile {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if (!isNotFound(error)) throw new SecretsStoreError(`cannot read the secrets store ${this.file}: ${(error as Error).message}`);
      return { format: FORMAT, key: this.keyring ? 'keyring' : 'file', keyCheck: '', secrets: {} };
    }
    const unreadable = (why: string) =>
      new SecretsStoreError(`${this.file} is not a readable secrets store (${why}); restore it, or remove it and give the datastores' credentials again`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw unreadable((error as Error).message);
    }
    const stored = parsed as Partial<StoreFile> | null;
    if (!stored || typeof stored !== 'object' || stored.format !== FORMAT) throw unreadable(`not in the ${FORMAT} format`);
    if ((stored.key !== 'keyring' && stored.key !== 'file') || typeof stored.keyCheck !== 'string') throw unreadable('no key information');
    if (!stored.secrets || typeof stored.secrets !== 'object' || Array.isArray(stored.secrets)) throw unreadable('no secrets map');
    for (const [reference, sealed] of Object.entries(stored.secrets)) {
      const valid = sealed && typeof sealed === 'object' && [sealed.iv, sealed.tag, sealed.data].every((part) => typeof part === 'string');
      if (!valid || Buffer.from(sealed.iv, 'base64').length !== IV_BYTES || Buffer.from(sealed.tag, 'base64').length !== TAG_BYTES) throw unreadable(`${reference} is malformed`);
    }
    return stored as StoreFile;
  }

  /** The store's key, checked against the store; created (in the keyring or the key file) for a new store. */
  private keyOf(stored: StoreFile): Buffer {
    if (!this.key) this.key = stored.keyCheck ? this.existingKey(stored) : this.createKey(stored);
    if (!stored.keyCheck) stored.keyCheck = keyCheck(this.key);
    else if (keyCheck(this.key) !== stored.keyCheck) {
      throw new SecretsStoreError(`${this.file} was sealed with another key than ${stored.key === 'keyring' ? 'the one in the OS keyring' : this.keyFile}; restore the key, or remove the store and give the datastores' credentials again`);
    }
    return this.key;
  }

  private existingKey(stored: StoreFile): Buffer {
    if (stored.key === 'keyring') {
      if (!this.keyring) throw new SecretsStoreError(`the key of ${this.file} is in the OS keyring, which does not answer here (secret-tool and a session bus are needed)`);
      const key = this.keyring.lookup(this.account);
      if (!key) throw new SecretsStoreError(`the key of ${this.file} is missing from ${this.keyring.name}`);
      return key;
    }
    let key: Buffer;
    try {
      key = fs.readFileSync(this.keyFile);
    } catch (error) {
      throw new SecretsStoreError(`the key file ${this.keyFile} of the secrets store ${this.file} cannot be read: ${(error as Error).message}`);
    }
    if (key.length !== 32) throw new SecretsStoreError(`the key file ${this.keyFile} of the secrets store ${this.file} does not hold a 256-bit key`);
    return key;
  }

  private createKey(stored: StoreFile): Buffer {
    const key = newKey();
    if (stored.key === 'keyring' && this.keyring) {
      try {
        this.keyring.store(this.account, key);
        return key;
      } catch {
        stored.key = 'file';
      }
    }
    stored.key = 'file';
    try {
      fs.mkdirSync(path.dirname(this.keyFile), { recursive: true });
      writePrivateDurably(this.keyFile, key);
    } catch (error) {
      throw new SecretsStoreError(`cannot write the key file ${this.keyFile} of the secrets store ${this.file}: ${(error as Error).message}`);
    }
    return key;
  }

  /** The keyring entry of this store: its absolute path. */
  private get account(): string {
    return path.resolve(this.file);
  }

  private write(stored: StoreFile): void {
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      writePrivateDurably(this.file, JSON.stringify(stored, null, 1) + '\n');
    } catch (error) {
      throw new SecretsStoreError(`cannot write the secrets store ${this.file}: ${(error as Error).message}`);
    }
  }
}

function keyCheck(key: Buffer): string {
  return crypto.createHmac('sha256', key).update('mlw secrets store key check').digest('hex');
}

/** Replaces `file` atomically with private (0600) content that is on disk before the rename makes it visible. */
function writePrivateDurably(file: string, content: string | Buffer): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}
