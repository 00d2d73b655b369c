"""A TCP relay that delays what it carries and can be cut: the network between a primary and a
distant standby."""

import asyncio
import threading
import time

from tests.scale.processes import free_port


class Link:
    """A TCP relay from a port of its own to `target_port` that holds every chunk `delay`
    seconds in each direction (a distant standby) and can be cut: every connection through it
    is reset at once and bytes still on their way are dropped, as when a machine and its
    network go down together. It runs on an event loop in a thread of its own."""

    def __init__(self, target_port: int, delay: float) -> None:
        self.target_port, self.delay = target_port, delay
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    def cut(self) -> None:
        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._cut(), self.loop).result(10)

    def stop(self) -> None:
        if self.thread.is_alive():
            self.cut()
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()
        for task in list(self.tasks):
            task.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, up_writer}
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._relay(source, sink, (writer, up_writer)))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _relay(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    ) -> None:
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
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            delivery.cancel()
            for w in pair:
                w.transport.abort()
                self.writers.discard(w)
