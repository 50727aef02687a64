// The DynamoDB calls of the registry through @aws-sdk/client-dynamodb, for the bench's client comparison only.
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDb } from "../../../functions/shared/dynamodb.ts";

type AnyCommand = new (input: never) => Parameters<DynamoDBClient["send"]>[0];
const COMMANDS: Record<string, AnyCommand> = {
  PutItem: PutItemCommand as unknown as AnyCommand,
  GetItem: GetItemCommand as unknown as AnyCommand,
  DeleteItem: DeleteItemCommand as unknown as AnyCommand,
  UpdateItem: UpdateItemCommand as unknown as AnyCommand,
  Query: QueryCommand as unknown as AnyCommand,
};

/** One SDK client for the life of the container, as a handler would keep it. */
export function createSdkDynamoDb(endpoint: string, region: string): DynamoDb {
  const client = new DynamoDBClient({ region, ...(endpoint.startsWith("https://dynamodb.") ? {} : { endpoint }) });
  return {
    async call<T>(operation: string, body: Record<string, unknown>): Promise<T> {
      const Command = COMMANDS[operation];
      if (Command === undefined) throw new Error(`bench peer: no command for ${operation}`);
      return (await client.send(new Command(body as never))) as T;
    },
  };
}
