"""The page's MCP tools (/chat and /search), each call in a session of its own and a few at a time.

Gradio 6.31's MCP server runs a queued endpoint through one `gradio_client.Client` it keeps for
every caller: one session, so `chat` read one caller's conversation into another's answer (an
urgent notice, and a follow-up note quoting the other person's words). Each call also held one of
the worker threads the page's functions and sync routes share while it waited for its answer:
300 calls over one SSE connection took them all, and the page and even /config stalled.

`isolated_mcp_server` makes a subclass of Gradio's server whose tool call runs the endpoint's
function in this process through `Blocks.process_api` (as Gradio itself does for endpoints outside
the queue) in a fresh session that is never stored, so a call sees no conversation and leaves
none. At most `mcp_concurrency` calls run at once; a client may have `mcp_calls_per_client` calls
running or waiting and all clients `mcp_calls_total`; beyond that a call is answered at once with a
"busy" error. A waiting call waits in the event loop, not in a thread. The rest of Gradio's MCP
server (tool list, schema, SSE and streamable HTTP transports) is Gradio's own.

`bot.ui.launch.guarded_server` puts the subclass in place while the page launches;
tests/test_floods.py checks that two MCP callers do not share a conversation and that a flood of
calls leaves the page answering.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from gradio import route_utils
from gradio.state_holder import SessionState

from ..clients import BusyError, CallLimiter, client_key
from ..config import Settings

BUSY = "The page is busy with other tool calls; wait for an answer before sending the next call."


def isolated_mcp_server(settings: Settings) -> type:
    """Gradio's MCP server class, with tool calls isolated and limited as the module says."""
    from gradio.mcp import GradioMCPServer

    class IsolatedMCPServer(GradioMCPServer):
        limiter = CallLimiter(settings.mcp_concurrency, settings.mcp_calls_per_client, settings.mcp_calls_total)

        def create_mcp_server(self) -> Any:
            server = super().create_mcp_server()

            @server.call_tool()  # replaces Gradio's handler: the same steps, minus the shared client
            async def call_tool(name: str, arguments: dict[str, Any]) -> Any:
                _, inputs, _, block_fn = self._prepare_tool_call_args(name, arguments)
                inputs = self.insert_empty_state(block_fn.inputs, inputs)
                request = self.mcp_server.request_context.request
                key = client_key(request.client.host if request.client else None,
                                 request.headers.get("x-forwarded-for"))
                try:
                    async with self.limiter.slot(key):
                        output = await self.blocks.process_api(
                            block_fn=block_fn, inputs=inputs, state=SessionState(self.blocks),
                            request=gr.Request(request=request))
                except BusyError:
                    return self.types.CallToolResult(content=[self.types.TextContent(type="text", text=BUSY)],
                                                     isError=True)
                data = self.pop_returned_state(block_fn.outputs, output["data"])
                root_url = route_utils.get_root_url(request=request, route_path=self.get_route_path(request),
                                                    root_path=self.root_path)
                return self.types.CallToolResult(content=self.postprocess_output_data(data, root_url),
                                                 _meta=getattr(block_fn.fn, "_mcp_meta", None))

            return server

    return IsolatedMCPServer
