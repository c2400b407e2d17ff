// params:get / params:set: governed numeric parameters (IParameters) of NodeRegistry, TaskManager and
// DisputeManager. Names are the ASCII names of docs/protocol.md ("challengeWindow").
import { task } from "hardhat/config";
import {
  bytes32Name,
  choose,
  contract,
  decodeError,
  fail,
  PARAMETERS,
  parseUint,
  send,
  signer,
  userErrors,
} from "../lib/neural";

const contracts = Object.keys(PARAMETERS);

task("params:get", "Prints governed parameters with their bounds")
  .addParam("contract", `One of ${contracts.join(", ")}`)
  .addOptionalParam("name", "Parameter name (all of the contract's parameters when omitted)")
  .setAction(
    userErrors(async (args: { contract: string; name?: string }, hre) => {
      const name = choose("contract", args.contract, contracts);
      const valid = PARAMETERS[name] ?? [];
      const names = args.name === undefined ? valid : [choose("name", args.name, valid, `${name} parameter`)];
      const c = await contract(hre, name);
      for (const p of names) {
        try {
          const value = await c.getParameter(bytes32Name(p));
          const [min, max] = await c.parameterBounds(bytes32Name(p));
          console.log(`${name}.${p} = ${value.toString()}  (bounds ${min.toString()} .. ${max.toString()})`);
        } catch (err) {
          fail(`${name}.getParameter("${p}") failed: ${decodeError(c, err)}`);
        }
      }
    }),
  );

task("params:set", "Sets a governed parameter (GOVERNOR_ROLE)")
  .addParam("contract", `One of ${contracts.join(", ")}`)
  .addParam("name", "Parameter name, e.g. challengeWindow")
  .addParam("value", "New value: an unsigned integer (wei for amounts) or an amount like 100nrl")
  .addOptionalParam("from", "Sender (default: the network's first account)")
  .setAction(
    userErrors(async (args: { contract: string; name: string; value: string; from?: string }, hre) => {
      const name = choose("contract", args.contract, contracts);
      const param = choose("name", args.name, PARAMETERS[name] ?? [], `${name} parameter`);
      const value = parseUint("value", args.value);
      const c = await contract(hre, name, await signer(hre, args.from));
      const [min, max] = await c.parameterBounds(bytes32Name(param));
      if (value.lt(min) || value.gt(max)) {
        fail(
          `${name}.${param} = ${value.toString()} is out of bounds ${min.toString()} .. ${max.toString()}`,
        );
      }
      const old = await c.getParameter(bytes32Name(param));
      const receipt = await send(c, "setParameter", [bytes32Name(param), value]);
      const now = await c.getParameter(bytes32Name(param));
      console.log(
        `${name}.${param}: ${old.toString()} -> ${now.toString()}  (tx ${receipt.transactionHash})`,
      );
    }),
  );
