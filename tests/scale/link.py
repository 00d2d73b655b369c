"""A TCP relay that delays what it carries and can be cut: the network between a primary and a
distant standby."""

import asyncio
import threading
import time

from tests.live import Relay


class _DelayedRelay(Relay):
    """A relay that holds every chunk `delay` seconds in each direction; reading goes on
    meanwhile, so the delay is latency, not a limit on throughput."""

    def __init__(self, target_port: int, delay: float) -> None:
        super().__init__("127.0.0.1", target_port)
        self.delay = delay

    async def _carry(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    return
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                sink.write(data)
                await sink.drain()

        delivery = asyncio.create_task(deliver())
        try:
            while data := await source.read(65536):
                queue.put_nowait((time.monotonic() + self.delay, data))
            queue.put_nowait((time.monotonic() + self.delay, b""))
            await delivery
        finally:
            delivery.cancel()


class Link:
    """A TCP relay from a port of its own to `target_port` that holds every chunk `delay`
    seconds in each direction (a distant standby) and can be cut: every connection through it
    is reset at once and bytes still on their way are dropped, as when a machine and its
    network go down together. It runs on an event loop in a thread of its own."""

    def __init__(self, target_port: int, delay: float) -> None:
        self.relay = _DelayedRelay(target_port, delay)
        self.port = self.relay.port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.relay.start(), self.loop).result(10)

    def cut(self) -> None:
        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(self.relay.cut(), self.loop).result(10)

    def stop(self) -> None:
        if self.thread.is_alive():
            self.cut()
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
