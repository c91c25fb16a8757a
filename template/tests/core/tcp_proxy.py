# Managed by the service standard (copier update): add your own test helpers outside tests/core/.
"""A TCP proxy a test starts in front of PostgreSQL or Redis, to cut, hang or restore it."""

import asyncio
import contextlib


class TcpProxy:
    """Forwards 127.0.0.1:`port` to the target; the test decides when it stops answering.

    - `cut()`: the port closes and open connections drop (a server that went away);
    - `hang()`: connections are accepted and then nothing is ever answered (a server
      that is overloaded or behind a broken network path);
    - `restore()`: forwarding again, on the same port;
    - `drop()`: every open connection closes, new ones are still forwarded (a
      database restart, or a firewall that forgot its connections).

    `round_trips` counts the times a client spoke after the server had (or first):
    each is a request the client waits on, the cost a round trip stands for.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.hanging = False
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.Task[None]] = set()
        self.held: list[asyncio.StreamWriter] = []
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.round_trips = 0
        self.client_spoke = asyncio.Event()

    async def restore(self) -> None:
        self.hanging = False
        self.flowing.set()
        if self.server is None:
            self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
            self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        await self._drop_connections()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    async def hang(self) -> None:
        """Keep accepting, answer nothing; open connections stall too."""
        await self.restore()
        self.hanging = True
        self.flowing.clear()

    async def drop(self) -> None:
        await self._drop_connections()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.cut()

    async def _drop_connections(self) -> None:
        # The server's wait_closed() waits for every connection it accepted.
        for writer in self.held:
            writer.close()
        self.held.clear()
        for pipe in list(self.pipes):
            pipe.cancel()
        await asyncio.gather(*self.pipes, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.hanging:
            self.held.append(writer)  # open, silent
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        last_speaker = ["server"]  # shared by this connection's two pipes
        for source, sink, speaker in (
            (reader, upstream_writer, "client"),
            (upstream_reader, writer, "server"),
        ):
            pipe = asyncio.create_task(self._pipe(source, sink, speaker, last_speaker))
            self.pipes.add(pipe)
            pipe.add_done_callback(self.pipes.discard)

    async def _pipe(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        speaker: str,
        last_speaker: list[str],
    ) -> None:
        try:
            while data := await source.read(65536):
                await self.flowing.wait()
                if speaker != last_speaker[0]:
                    last_speaker[0] = speaker
                    if speaker == "client":
                        self.round_trips += 1
                        self.client_spoke.set()
                sink.write(data)
                await sink.drain()
        finally:
            sink.close()
