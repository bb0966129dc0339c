import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, UseGuards } from '@nestjs/common';
import { EmployeeIdSchema } from '@attendance/contracts';
import { parseOrBadRequest } from '@attendance/http-api';
import { AdminApiKeyGuard, type AdminRequest } from '../auth/admin-api-key.guard';
import { EmployeeCreateSchema, EmployeePatchSchema, ListQuerySchema } from './directory.schemas';
import { EmployeeImport, type ImportReport } from './employee-import';
import { EmployeesRepository, type EmployeeView } from './employees.repository';

@Controller('api/v1/admin/employees')
@UseGuards(AdminApiKeyGuard)
export class AdminEmployeesController {
  constructor(
    private readonly employees: EmployeesRepository,
    private readonly importer: EmployeeImport,
  ) {}

  @Get()
  async list(@Req() request: AdminRequest, @Query() query: unknown): Promise<{ items: EmployeeView[] }> {
    return { items: await this.employees.list(request.admin!.tenantId, parseOrBadRequest(ListQuerySchema, query, 'query')) };
  }

  @Get(':employeeId')
  get(@Req() request: AdminRequest, @Param('employeeId') employeeId: string): Promise<EmployeeView> {
    return this.employees.get(request.admin!.tenantId, parseOrBadRequest(EmployeeIdSchema, employeeId, 'employeeId'));
  }

  @Post()
  create(@Req() request: AdminRequest, @Body() body: unknown): Promise<EmployeeView> {
    return this.employees.create(request.admin!.tenantId, parseOrBadRequest(EmployeeCreateSchema, body, 'employee'));
  }

  /** `Content-Type: text/csv`, header `code,name[,status][,employeeId]`; answers a per-row report. */
  @Post('import')
  @HttpCode(200)
  importCsv(@Req() request: AdminRequest, @Body() body: unknown): Promise<ImportReport> {
    return this.importer.importCsv(request.admin!.tenantId, body);
  }

  @Patch(':employeeId')
  update(@Req() request: AdminRequest, @Param('employeeId') employeeId: string, @Body() body: unknown): Promise<EmployeeView> {
    const id = parseOrBadRequest(EmployeeIdSchema, employeeId, 'employeeId');
    return this.employees.update(request.admin!.tenantId, id, parseOrBadRequest(EmployeePatchSchema, body, 'employee'));
  }

  @Delete(':employeeId')
  @HttpCode(204)
  async delete(@Req() request: AdminRequest, @Param('employeeId') employeeId: string): Promise<void> {
    await this.employees.delete(request.admin!.tenantId, parseOrBadRequest(EmployeeIdSchema, employeeId, 'employeeId'));
  }
}
