// The official client's automatic reconnect after the server closes a connection whose token
// expired (Close with allowReconnect). Usage: node reconnect.mjs <hub URL> <first token> <next token>
// Prints JSON lines: started, reconnecting (with the server's error), reconnected, echoed.
import * as signalR from "@microsoft/signalr";

const [hubUrl, firstToken, nextToken] = process.argv.slice(2);
const print = (event) => process.stdout.write(JSON.stringify(event) + "\n");
// Negotiate and the WebSocket each ask the factory: the first connection uses the first token.
const tokens = [firstToken, firstToken];

const connection = new signalR.HubConnectionBuilder()
  .withUrl(hubUrl, { accessTokenFactory: () => tokens.shift() ?? nextToken })
  .withAutomaticReconnect([0])
  .configureLogging(signalR.LogLevel.None)
  .build();

connection.onreconnecting((error) => print({ event: "reconnecting", error: String(error) }));
connection.onreconnected(async () => {
  print({ event: "reconnected" });
  print({ event: "echoed", result: await connection.invoke("Echo", "after reconnect") });
  await connection.stop();
});

try {
  await connection.start();
  print({ event: "started" });
} catch (error) {
  print({ event: "failed", error: String(error) });
  process.exit(1);
}
