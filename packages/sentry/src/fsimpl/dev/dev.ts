// /dev: the character devices every container has (null, zero, full, random, urandom),
// with Linux's semantics from drivers/char/mem.c and random.c.
import { Filetype } from '../../abi/wasi/filetype.js';
import { sysError } from '../../errors/sys-error.js';
import type { FileDescription, FileStat } from '../../vfs/file-description.js';
import { FileDescriptionDefaults } from '../../vfs/file-description-default.js';
import type { OpenIntent } from '../../vfs/inode.js';
import { SyntheticDirectory, SyntheticFilesystem, SyntheticInode } from '../synthetic/synthetic.js';

/** DeviceBehaviour is what one device does on read and write, as a table row. */
interface DeviceBehaviour {
  /** Fills `target` and returns the byte count; 0 is end of file. */
  read(target: Uint8Array, random: (buffer: Uint8Array) => void): number;
  /** Consumes `length` bytes, or throws. */
  write(length: number): number;
}

function fillRandom(target: Uint8Array, random: (buffer: Uint8Array) => void): number {
  random(target);
  return target.length;
}

/** DEVICES lists the devices of /dev and their behaviour. */
const DEVICES: Readonly<Record<string, DeviceBehaviour>> = {
  /** Like mem.c read_null/write_null: EOF, and writes vanish. */
  null: { read: () => 0, write: (length) => length },
  /** Like mem.c read_iter_zero: zeros forever. */
  zero: { read: (target) => target.fill(0).length, write: (length) => length },
  /** Like mem.c write_full: reads zeros, writes fail with ENOSPC. */
  full: {
    read: (target) => target.fill(0).length,
    write: () => {
      throw sysError.nospc('/dev/full');
    },
  },
  /** Like random.c: the kernel's random source; writes are accepted and ignored. */
  random: { read: fillRandom, write: (length) => length },
  urandom: { read: fillRandom, write: (length) => length },
};

/** DeviceNode is a character device inode in /dev. */
export class DeviceNode extends SyntheticInode {
  readonly filetype = Filetype.CHARACTER_DEVICE;
  readonly name: string;
  readonly #behaviour: DeviceBehaviour;
  readonly #random: (buffer: Uint8Array) => void;
  constructor(filesystem: SyntheticFilesystem, name: string, behaviour: DeviceBehaviour, random: (buffer: Uint8Array) => void) {
    super(filesystem);
    this.name = name;
    this.#behaviour = behaviour;
    this.#random = random;
  }
  /** Implements Inode.open. */
  override open(intent: OpenIntent): FileDescription {
    return new DeviceDescription(this, this.#behaviour, this.#random, intent);
  }
}

/** DeviceDescription is an open device. */
export class DeviceDescription extends FileDescriptionDefaults {
  readonly filetype = Filetype.CHARACTER_DEVICE;
  readonly device: DeviceNode;
  readonly #behaviour: DeviceBehaviour;
  readonly #random: (buffer: Uint8Array) => void;
  readonly readable: boolean;
  readonly writable: boolean;
  constructor(device: DeviceNode, behaviour: DeviceBehaviour, random: (buffer: Uint8Array) => void, intent: OpenIntent) {
    super();
    this.device = device;
    this.#behaviour = behaviour;
    this.#random = random;
    this.readable = intent.read;
    this.writable = intent.write;
    this.flags = intent.flags;
  }
  /** Implements FileDescription.stat. */
  stat(): FileStat {
    return this.device.stat();
  }
  /** Implements FileDescription.read with the device's behaviour. */
  override read(buffers: readonly Uint8Array[]): number {
    if (!this.readable) throw sysError.badf('not open for reading');
    let total = 0;
    for (const buffer of buffers) {
      const count = this.#behaviour.read(buffer, this.#random);
      total += count;
      if (count < buffer.length) break;
    }
    return total;
  }
  /** Devices ignore the offset, as mem.c does. */
  override pread(buffers: readonly Uint8Array[], _offset: bigint): number {
    return this.read(buffers);
  }
  /** Implements FileDescription.write with the device's behaviour. */
  override write(buffers: readonly Uint8Array[]): number {
    if (!this.writable) throw sysError.badf('not open for writing');
    let length = 0;
    for (const buffer of buffers) length += buffer.length;
    return this.#behaviour.write(length);
  }
  /** Devices ignore the offset, as mem.c does. */
  override pwrite(buffers: readonly Uint8Array[], _offset: bigint): number {
    return this.write(buffers);
  }
  /** Like mem.c null_lseek: any seek succeeds and the position stays 0. */
  override seek(_offset: bigint, _whence: number): bigint {
    return 0n;
  }
}

/** DevFilesystem is /dev. */
export class DevFilesystem extends SyntheticFilesystem {
  readonly root: SyntheticDirectory;
  readonly devices = new Map<string, DeviceNode>();
  constructor(dev: bigint, createdAt: bigint, allocateIno: () => bigint, random: (buffer: Uint8Array) => void) {
    super('devtmpfs', dev, createdAt, allocateIno);
    this.root = new SyntheticDirectory(this);
    for (const [name, behaviour] of Object.entries(DEVICES)) {
      this.devices.set(name, this.root.add(name, new DeviceNode(this, name, behaviour, random)));
    }
  }
  /** openDevice opens /dev/`name` directly (stdio bound to null). */
  openDevice(name: string, intent: OpenIntent): FileDescription {
    const device = this.devices.get(name);
    if (device === undefined) throw sysError.noent(`/dev/${name}`);
    return device.open(intent);
  }
}
