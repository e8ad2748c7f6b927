// Test helper: a WebSocket the test plays the server of.
export class FakeSocket {
  static instances: FakeSocket[] = [];
  readonly sent: string[] = [];
  closedByClient: number | undefined;
  private readonly listeners = new Map<string, ((event: never) => void)[]>();

  constructor(
    readonly url: string,
    readonly protocols?: string[],
  ) {
    FakeSocket.instances.push(this);
  }

  static last(): FakeSocket {
    const socket = FakeSocket.instances.at(-1);
    if (!socket) throw new Error('no socket was opened');
    return socket;
  }

  addEventListener(type: string, listener: (event: never) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code = 1000): void {
    this.closedByClient = code;
  }

  sentFrames(): Record<string, unknown>[] {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }

  private emit(type: string, event: unknown): void {
    for (const l of this.listeners.get(type) ?? []) (l as (e: unknown) => void)(event);
  }

  serverSend(frame: unknown): void {
    this.emit('message', { data: JSON.stringify(frame) });
  }

  serverClose(code = 1006, reason = ''): void {
    this.emit('error', {});
    this.emit('close', { code, reason });
  }
}
