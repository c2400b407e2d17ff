// roles:grant / roles:revoke / roles:check: AccessControl roles of NodeRegistry, TaskManager, DisputeManager.
import { task } from "hardhat/config";
import { choose, contract, parseAddress, ROLES, roleId, send, signer, userErrors } from "../lib/neural";

const contracts = Object.keys(ROLES);

interface RoleArgs {
  contract: string;
  role: string;
  account: string;
  from?: string;
}

function define(name: string, description: string, method?: "grantRole" | "revokeRole") {
  const t = task(name, description)
    .addParam("contract", `One of ${contracts.join(", ")}`)
    .addParam("role", "Role name, e.g. KEEPER_ROLE")
    .addParam("account", "Account address");
  if (method)
    t.addOptionalParam("from", "Sender, an admin of the role (default: the network's first account)");
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
      const receipt = await send(c, method, [id, account]);
      const after: boolean = await c.hasRole(id, account);
      console.log(
        `${cname}.${role} ${wanted ? "granted to" : "revoked from"} ${account}: hasRole ${before} -> ${after}` +
          `  (tx ${receipt.transactionHash})`,
      );
    }),
  );
}

define("roles:grant", "Grants a role (sender must hold the role's admin role)", "grantRole");
define("roles:revoke", "Revokes a role (sender must hold the role's admin role)", "revokeRole");
define("roles:check", "Tells whether an account holds a role");
