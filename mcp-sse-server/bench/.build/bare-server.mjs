/**
 * The floor the benchmarks measure wechat-mcp against: the same SDK, the same two transports, one McpServer per
 * session, exactly as the SDK's own sseAndStreamableHttpCompatibleServer example, and one trivial `echo` tool.
 * No WeChat, no security middleware beyond the SDK's own Host check, no logging. Started by bench/run.ts as a child
 * process on 127.0.0.1; prints one JSON line with its port.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
function newServer() {
    const server = new McpServer({ name: 'bare-sdk-server', version: '1.0.0' });
    server.registerTool('echo', { description: 'Returns its input.', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
    return server;
}
const transports = new Map();
const app = createMcpExpressApp({ host: '127.0.0.1' });
app.get('/health', (_req, res) => {
    res.json({ status: 'ok', sessions: transports.size });
});
app.all('/mcp', async (req, res) => {
    const id = req.headers['mcp-session-id'];
    let transport;
    if (typeof id === 'string') {
        const existing = transports.get(id);
        if (!(existing instanceof StreamableHTTPServerTransport)) {
            res.status(existing ? 400 : 404).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad session' }, id: null });
            return;
        }
        transport = existing;
    }
    else if (req.method === 'POST' && isInitializeRequest(req.body)) {
        transport = new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(),
            onsessioninitialized: (sessionId) => void transports.set(sessionId, transport),
        });
        transport.onclose = () => {
            if (transport.sessionId)
                transports.delete(transport.sessionId);
        };
        await newServer().connect(transport);
    }
    else {
        res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: no session' }, id: null });
        return;
    }
    await transport.handleRequest(req, res, req.body);
});
app.get('/sse', async (_req, res) => {
    const transport = new SSEServerTransport('/messages', res);
    transports.set(transport.sessionId, transport);
    res.on('close', () => transports.delete(transport.sessionId));
    await newServer().connect(transport);
});
app.post('/messages', async (req, res) => {
    const transport = transports.get(String(req.query.sessionId));
    if (!(transport instanceof SSEServerTransport)) {
        res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
        return;
    }
    await transport.handlePostMessage(req, res, req.body);
});
const http = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ msg: 'bare listening', port: http.address().port })}\n`);
});
const stop = () => {
    for (const transport of transports.values())
        void transport.close().catch(() => undefined);
    http.close();
    http.closeAllConnections();
    process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
