// roles:grant / roles:revoke / roles:check: AccessControl roles of NodeRegistry, TaskManager, DisputeManager.
// The admin of those contracts is the NeuralTimelock: a grant or revoke is scheduled on it (the sender must be a
// proposer) and executed once its delay has passed — at once with --execute on a local chain (the time is advanced),
// else by running the same command with --execute after the delay.
import type { ethers } from "ethers";
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  choose,
  contract,
  fail,
  parseAddress,
  provider,
  ROLES,
  roleId,
  send,
  signer,
  userErrors,
} from "../lib/neural";

const contracts = Object.keys(ROLES);

interface RoleArgs {
  contract: string;
  role: string;
  account: string;
  from?: string;
  execute?: boolean;
}

const ZERO32 = `0x${"00".repeat(32)}`;

/** Schedules `method(role, account)` on the timelock, and executes it when ready (advancing a local chain's time). */
async function throughTimelock(
  hre: HardhatRuntimeEnvironment,
  target: ethers.Contract,
  method: string,
  args: unknown[],
  execute: boolean,
  from?: string,
) {
  const timelock = await contract(hre, "NeuralTimelock", await signer(hre, from));
  const data = target.interface.encodeFunctionData(method, args);
  const salt = ZERO32;
  const id: string = await timelock.hashOperation(target.address, 0, data, ZERO32, salt);
  const delay = await timelock.getMinDelay();
  if (!(await timelock.isOperation(id))) {
    const proposer = await timelock.hasRole(
      await timelock.PROPOSER_ROLE(),
      await timelock.signer.getAddress(),
    );
    if (!proposer)
      fail("the sender is not a proposer of the NeuralTimelock (the admin): pass --from a proposer");
    const receipt = await send(timelock, "schedule", [target.address, 0, data, ZERO32, salt, delay]);
    console.log(
      `scheduled on the timelock (operation ${id}, delay ${delay.toString()} s, tx ${receipt.transactionHash})`,
    );
  }
  if (!execute) {
    console.log("run the same command with --execute once the delay has passed");
    return false;
  }
  if (!(await timelock.isOperationReady(id))) {
    const { chainId } = await provider(hre).getNetwork();
    if (chainId !== 31337) fail(`operation ${id} is not ready yet: run again after the timelock's delay`);
    await provider(hre).send("evm_increaseTime", [delay.toNumber()]);
    await provider(hre).send("evm_mine", []);
  }
  const receipt = await send(timelock, "execute", [target.address, 0, data, ZERO32, salt]);
  console.log(`executed by the timelock (tx ${receipt.transactionHash})`);
  return true;
}

function define(name: string, description: string, method?: "grantRole" | "revokeRole") {
  const t = task(name, description)
    .addParam("contract", `One of ${contracts.join(", ")}`)
    .addParam("role", "Role name, e.g. KEEPER_ROLE")
    .addParam("account", "Account address");
  if (method) {
    t.addOptionalParam(
      "from",
      "Sender: an admin of the role or a timelock proposer (default: first account)",
    );
    t.addFlag(
      "execute",
      "Execute the timelocked operation now (a local chain's time is advanced past the delay)",
    );
  }
  t.setAction(
    userErrors(async (args: RoleArgs, hre) => {
      const cname = choose("contract", args.contract, contracts);
      const role = choose("role", args.role, ROLES[cname] ?? [], `${cname} role`);
      const account = parseAddress("account", args.account);
      const c = await contract(hre, cname, method ? await signer(hre, args.from) : undefined);
      const id = await roleId(c, role);
      const before: boolean = await c.hasRole(id, account);
      if (!method) {
        console.log(`${cname}.${role} ${before ? "is" : "is not"} held by ${account}`);
        return;
      }
      const wanted = method === "grantRole";
      if (before === wanted) {
        console.log(`${cname}.${role} ${wanted ? "already held" : "not held"} by ${account}: nothing to do`);
        return;
      }
      const adminRole: string = await c.getRoleAdmin(id);
      const sender = await (await signer(hre, args.from)).getAddress();
      if (await c.hasRole(adminRole, sender)) {
        const receipt = await send(c, method, [id, account]);
        console.log(`sent (tx ${receipt.transactionHash})`);
      } else {
        const timelock = await contract(hre, "NeuralTimelock");
        if (!(await c.hasRole(adminRole, timelock.address))) {
          fail(
            `${cname}.${role} cannot be ${wanted ? "granted" : "revoked"}: its admin role is held by nobody (sealed)`,
          );
        }
        const done = await throughTimelock(hre, c, method, [id, account], args.execute === true, args.from);
        if (!done) return;
      }
      const after: boolean = await c.hasRole(id, account);
      console.log(
        `${cname}.${role} ${wanted ? "granted to" : "revoked from"} ${account}: hasRole ${before} -> ${after}`,
      );
    }),
  );
}

define("roles:grant", "Grants a role (sender must hold the role's admin role)", "grantRole");
define("roles:revoke", "Revokes a role (sender must hold the role's admin role)", "revokeRole");
define("roles:check", "Tells whether an account holds a role");
