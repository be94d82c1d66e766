// The official SignalR client against a homecloud hub, the way the vendors' clients use it.
// Usage: node notify.mjs <hub URL> <access token> <factory|query>
//   factory: accessTokenFactory (Bearer on negotiate, then on the WebSocket)
//   query:   the token in the hub URL as ?token=, as the Nuheat guide's sample does
// Prints one JSON object per line: started, subscribed, notify (with the list), closed.
import * as signalR from "@microsoft/signalr";

const [hubUrl, token, mode] = process.argv.slice(2);
const print = (event) => process.stdout.write(JSON.stringify(event) + "\n");

const connection = new signalR.HubConnectionBuilder()
  .withUrl(
    mode === "query" ? `${hubUrl}?token=${encodeURIComponent(token)}` : hubUrl,
    mode === "query" ? {} : { accessTokenFactory: () => token },
  )
  .configureLogging(signalR.LogLevel.Warning)
  .build();

connection.on("Notify", (notifications) => {
  print({ event: "notify", notifications });
  connection.stop();
});
connection.onclose((error) => print({ event: "closed", error: error ? String(error) : null }));

try {
  await connection.start();
  print({ event: "started", transport: connection.connection.transport.constructor.name });
  const result = await connection.invoke("Subscribe", ["1", "2", "3", "4"]);
  print({ event: "subscribed", result: result ?? null });
} catch (error) {
  print({ event: "failed", error: String(error) });
  process.exit(1);
}
