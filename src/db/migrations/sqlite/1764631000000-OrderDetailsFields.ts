// From `typeorm migration:generate` (which rebuilds both tables), reduced by hand to what changes:
// two nullable columns added to orders (sqlite adds those in place), order_items rebuilt because
// retailerId becomes nullable. A second generate reports no difference.
import { MigrationInterface, QueryRunner } from "typeorm";

export class OrderDetailsFields1764631000000 implements MigrationInterface {
    name = 'OrderDetailsFields1764631000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "orders" ADD COLUMN "beneficiaries" text`);
        await queryRunner.query(`ALTER TABLE "orders" ADD COLUMN "gatewayFields" text`);
        await queryRunner.query(`DROP INDEX "IDX_966b22ca1f6150f5317dd4ed90"`);
        await queryRunner.query(`CREATE TABLE "temporary_order_items" ("id" varchar(36) PRIMARY KEY NOT NULL, "orderId" varchar(36) NOT NULL, "position" integer NOT NULL, "retailerId" varchar(100), "name" varchar(60) NOT NULL, "amount" integer NOT NULL, "saleAmount" integer, "quantity" integer NOT NULL, "countryOfOrigin" varchar(100), "importerName" varchar(200), "importerAddress" text)`);
        await queryRunner.query(`INSERT INTO "temporary_order_items"("id", "orderId", "position", "retailerId", "name", "amount", "saleAmount", "quantity", "countryOfOrigin", "importerName", "importerAddress") SELECT "id", "orderId", "position", "retailerId", "name", "amount", "saleAmount", "quantity", "countryOfOrigin", "importerName", "importerAddress" FROM "order_items"`);
        await queryRunner.query(`DROP TABLE "order_items"`);
        await queryRunner.query(`ALTER TABLE "temporary_order_items" RENAME TO "order_items"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_966b22ca1f6150f5317dd4ed90" ON "order_items" ("orderId", "position") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_966b22ca1f6150f5317dd4ed90"`);
        await queryRunner.query(`ALTER TABLE "order_items" RENAME TO "temporary_order_items"`);
        await queryRunner.query(`CREATE TABLE "order_items" ("id" varchar(36) PRIMARY KEY NOT NULL, "orderId" varchar(36) NOT NULL, "position" integer NOT NULL, "retailerId" varchar(100) NOT NULL, "name" varchar(60) NOT NULL, "amount" integer NOT NULL, "saleAmount" integer, "quantity" integer NOT NULL, "countryOfOrigin" varchar(100), "importerName" varchar(200), "importerAddress" text)`);
        await queryRunner.query(`INSERT INTO "order_items"("id", "orderId", "position", "retailerId", "name", "amount", "saleAmount", "quantity", "countryOfOrigin", "importerName", "importerAddress") SELECT "id", "orderId", "position", COALESCE("retailerId", ''), "name", "amount", "saleAmount", "quantity", "countryOfOrigin", "importerName", "importerAddress" FROM "temporary_order_items"`);
        await queryRunner.query(`DROP TABLE "temporary_order_items"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_966b22ca1f6150f5317dd4ed90" ON "order_items" ("orderId", "position") `);
        await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "gatewayFields"`);
        await queryRunner.query(`ALTER TABLE "orders" DROP COLUMN "beneficiaries"`);
    }

}
