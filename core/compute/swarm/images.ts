import type Docker from 'dockerode';
import { engineMessage } from '../docker-engine';

/** A registry as the nodes pull from it and as this host's engine pushes to it. */
export interface RegistryAddresses {
  pull: string;
  push: string;
}

/** The repository run images are pushed under, tagged by the local image's content hash (its id). */
const REPOSITORY = 'mlw-env';

interface PushProgress {
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Digest?: string };
}

/**
 * Puts the images runs use (built or pulled on this host's engine) into the cluster's registry, each once: the tag
 * is the image's content hash, and the nodes get the reference pinned by digest, so every node runs the same image.
 */
export class RegistryPublisher {
  private readonly published = new Map<string, Promise<string>>();

  private readonly addresses: () => Promise<RegistryAddresses | undefined>;

  /**
   * @param local this host's engine, which holds the images
   * @param pullAddress the registry as the nodes reach it (`10.0.0.1:5000`), or a function answering both addresses
   *   when they are known (none: images are used as they are)
   * @param pushAddress the same registry as this host's engine reaches it (`127.0.0.1:5000`); default `pullAddress`
   */
  constructor(
    private readonly local: Docker,
    pullAddress: string | (() => Promise<RegistryAddresses | undefined>),
    pushAddress = typeof pullAddress === 'string' ? pullAddress : undefined,
  ) {
    this.addresses = typeof pullAddress === 'string' ? async () => ({ pull: pullAddress, push: pushAddress ?? pullAddress }) : pullAddress;
  }

  /** The reference the nodes pull `image` by; pushes it first unless this publisher did already. */
  async reference(image: string): Promise<string> {
    const addresses = await this.addresses();
    if (!addresses) return image;
    let id: string;
    try {
      id = (await this.local.getImage(image).inspect()).Id;
    } catch (error) {
      throw new Error(`image ${image} is not on this host's Docker engine, so it cannot be pushed to ${addresses.push}: ${engineMessage(error)}`, { cause: error });
    }
    const key = `${addresses.pull}\n${addresses.push}\n${id}`;
    let publishing = this.published.get(key);
    if (!publishing) {
      publishing = this.push(image, id.replace(/^sha256:/, '').slice(0, 24), addresses);
      this.published.set(key, publishing);
      publishing.catch(() => this.published.delete(key));
    }
    return publishing;
  }

  private async push(image: string, tag: string, { pull, push }: RegistryAddresses): Promise<string> {
    const pushRepository = `${push}/${REPOSITORY}`;
    await this.local.getImage(image).tag({ repo: pushRepository, tag });
    let digest: string | undefined;
    try {
      // The engine wants an auth header even for a registry without authentication.
      const stream = await this.local.getImage(`${pushRepository}:${tag}`).push({ authconfig: { serveraddress: push } });
      const events = await new Promise<PushProgress[]>((resolve, reject) =>
        this.local.modem.followProgress(stream, (error: Error | null, output: PushProgress[]) => (error ? reject(error) : resolve(output))),
      );
      const failure = events.find((event) => event.error);
      if (failure) throw new Error(failure.errorDetail?.message ?? failure.error);
      digest = events.find((event) => event.aux?.Digest)?.aux?.Digest;
    } catch (error) {
      throw new Error(`image ${image} could not be pushed to the registry ${push}: ${engineMessage(error)}`, { cause: error });
    }
    const reference = `${pull}/${REPOSITORY}:${tag}`;
    return digest ? `${reference}@${digest}` : reference;
  }
}
